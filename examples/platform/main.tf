# Tenants are data: each tenants/<tenant_id>.yaml is one tenant, assigned to a
# shard (an operations account) by its `shard` field. A run plans one shard, in
# its own state: the roles of that shard's tenants, each trusting only its
# customer's listed roles with its own external id. Every file is checked on
# every run, so a bad file fails the plan of every shard, naming file and field.
#
# The shard is explicit rather than computed (a hash of the tenant id modulo the
# number of shards, say): a computed rule moves tenants whenever shards are added,
# and moving a tenant destroys its role in one account and creates it in another,
# with a new ARN the customer must be given again.

locals {
  tenants_dir = coalesce(var.tenants_dir, "${path.module}/tenants")
  shards_file = coalesce(var.shards_file, "${path.module}/shards.yaml")

  # --- shards ---------------------------------------------------------------
  shard_fields = ["account_id", "region", "terraform_role_arn", "cloudtrail_log_group_name"]
  shards_read  = try(yamldecode(file(local.shards_file)), null)
  shards       = can(keys(local.shards_read)) ? local.shards_read : {}
  shard        = lookup(local.shards, var.shard, null)
  shard_problems = can(keys(local.shards_read)) ? flatten([
    for name, shard in local.shards : !can(keys(shard)) ? ["${local.shards_file}: ${name} must be a mapping of ${join(", ", local.shard_fields)}"] : concat(
      [for key in keys(shard) : "${local.shards_file}: ${name}.${key} is not a known field (known: ${join(", ", local.shard_fields)})" if !contains(local.shard_fields, key)],
      try(can(regex("^[0-9]{12}$", shard.account_id)), false) ? [] : ["${local.shards_file}: ${name}.account_id must be the operations account's 12-digit id, quoted"],
      try(can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", shard.region)), false) ? [] : ["${local.shards_file}: ${name}.region must be a Region such as us-east-1"],
      try(shard.terraform_role_arn, null) == null || can(regex("^arn:[a-z-]+:iam::${try(shard.account_id, "")}:role/", shard.terraform_role_arn)) ? [] : ["${local.shards_file}: ${name}.terraform_role_arn must be a role ARN in account ${try(shard.account_id, "?")}"],
      try(shard.cloudtrail_log_group_name, null) == null || can(regex("^[A-Za-z0-9_/.#-]{1,512}$", shard.cloudtrail_log_group_name)) ? [] : ["${local.shards_file}: ${name}.cloudtrail_log_group_name must be a log group name (1-512 letters, digits and _-/.#)"],
    )
  ]) : ["${local.shards_file}: must be a YAML mapping of shard name to account_id, region and optional terraform_role_arn and cloudtrail_log_group_name"]

  # --- tenant files ---------------------------------------------------------
  tenant_fields   = ["tenant_id", "shard", "customer_account_id", "trusted_role_arns", "models", "regions", "inference_scope", "application_profile", "content_policy", "external_id_version"]
  required_fields = ["tenant_id", "shard", "customer_account_id", "trusted_role_arns", "models", "regions"]
  # regional: the models themselves in the listed Regions; a geography: through
  # its system cross-Region inference profile (operations-role's inference_profile_geographies).
  inference_scopes = ["regional", "us", "us-gov", "eu", "apac", "jp", "au", "global"]
  # Regular expressions here avoid counted repetition ({1,63}): Go expands it into
  # copies, and Terraform compiles the pattern on every call, for every file.
  all_files = fileset(local.tenants_dir, "*")
  documents = { for name in fileset(local.tenants_dir, "*.yaml") : name => try(yamldecode(file("${local.tenants_dir}/${name}")), null) }

  file_problems = concat(
    length(local.documents) > 0 ? [] : ["${local.tenants_dir}: holds no tenant files (<tenant_id>.yaml); refusing to plan a shard without tenants from a mistyped path"],
    [for name in local.all_files : "${local.tenants_dir}/${name}: is not a tenant file: tenant files are named <tenant_id>.yaml" if !endswith(name, ".yaml") && !startswith(name, ".")],
    flatten([for name, tenant in local.documents : [
      for problem in(!can(keys(tenant)) ? ["is not valid YAML or not a mapping of fields"] : concat(
        # Every file, whichever shard it names: it is named after its tenant and
        # names a shard that exists, so no tenant falls between shards.
        [for key in ["tenant_id", "shard"] : "field ${key} is required" if !contains(keys(tenant), key)],
        !contains(keys(tenant), "tenant_id") || try(tenant.tenant_id == trimsuffix(name, ".yaml"), false) ? [] : ["tenant_id must equal the file name without .yaml (${trimsuffix(name, ".yaml")}), so each tenant has one file"],
        !contains(keys(tenant), "shard") || try(contains(keys(local.shards), tenant.shard), false) ? [] : ["shard must be one of the shards in ${local.shards_file} (${join(", ", sort(keys(local.shards)))})"],
      )) : "${local.tenants_dir}/${name}: ${problem}"
    ]]),
    # Field by field, the files of the shard planned (CI plans every shard). A for
    # filter, not a conditional: HCL evaluates both branches of a conditional, and
    # each shard's plan should cost little per file of the others (benchmarks/terraform_scale.py).
    flatten([for name, tenant in local.documents : [
      for problem in concat(
        [for key in keys(tenant) : "field ${key} is not known (fields: ${join(", ", local.tenant_fields)})" if !contains(local.tenant_fields, key)],
        [for key in local.required_fields : "field ${key} is required" if !contains(keys(tenant), key) && !contains(["tenant_id", "shard"], key)],
        !contains(keys(tenant), "tenant_id") || try(length(tenant.tenant_id) <= 39 && can(regex("^[a-z0-9]+([_-][a-z0-9]+)*$", tenant.tenant_id)), false) ? [] : ["tenant_id must be 1-39 lower-case letters and digits, words joined by single - or _ (it names IAM roles, whose names are case-insensitive)"],
        !contains(keys(tenant), "customer_account_id") || can(regex("^[0-9]{12}$", tenant.customer_account_id)) ? [] : ["customer_account_id must be the customer's 12-digit AWS account id, quoted (YAML reads unquoted digits as a number and drops leading zeros)"],
        !contains(keys(tenant), "trusted_role_arns") || try(length(tenant.trusted_role_arns) >= 1 && length(distinct(tenant.trusted_role_arns)) == length(tenant.trusted_role_arns) && alltrue([
          for arn in tenant.trusted_role_arns : can(regex("^arn:(aws|aws-cn|aws-us-gov):iam::${tenant.customer_account_id}:role/([!-~]+/)?[A-Za-z0-9_+=,.@-]+$", arn)) && !can(regex("[*?]", arn)) && length(reverse(split("/", arn))[0]) <= 64
        ]), false) ? [] : ["trusted_role_arns must list distinct IAM role ARNs in the customer account (arn:aws:iam::<customer_account_id>:role/[<path>/]<name>), without wildcards"],
        !contains(keys(tenant), "models") || try(length(tenant.models) >= 1 && length(distinct(tenant.models)) == length(tenant.models) && alltrue([
          # The shape of Bedrock's foundation-model ids (operations-role checks each part's length); profile ids (us.<model>) are refused: use inference_scope.
          for model in tenant.models : can(regex("^[a-z0-9-]+([.][a-z0-9-]+){1,3}(:[a-z0-9-]+){0,2}$", model)) && !contains(local.inference_scopes, split(".", model)[0])
        ]), false) ? [] : ["models must list distinct foundation-model ids such as amazon.nova-lite-v1:0 (not profile ids such as us.amazon.nova-lite-v1:0: set inference_scope)"],
        !contains(keys(tenant), "regions") || try(length(tenant.regions) >= 1 && length(distinct(tenant.regions)) == length(tenant.regions) && alltrue([for region in tenant.regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", region))]), false) ? [] : ["regions must list distinct Regions such as us-east-1"],
        !contains(keys(tenant), "inference_scope") || try(contains(local.inference_scopes, tenant.inference_scope), false) ? [] : ["inference_scope must be one of ${join(", ", local.inference_scopes)}"],
        !contains(keys(tenant), "application_profile") || try(tenant.application_profile == true || tenant.application_profile == false, false) ? [] : ["application_profile must be true or false"],
        !contains(keys(tenant), "content_policy") || try(contains(["full", "hash", "none"], tenant.content_policy), false) ? [] : ["content_policy must be one of full, hash, none"],
        !contains(keys(tenant), "external_id_version") || try(tenant.external_id_version >= 1 && floor(tenant.external_id_version) == tenant.external_id_version, false) ? [] : ["external_id_version must be a whole number of at least 1 (raise it to rotate the generated external id)"],
        # An application profile is exclusive (the role reaches Bedrock only through it), so it serves one model from the shard's Region.
        try(!tenant.application_profile, false) || try(length(tenant.models) == 1 && length(tenant.regions) == 1 && tenant.regions[0] == local.shards[tenant.shard].region, true) ? [] : ["with application_profile (the default), models must hold one model and regions only the shard's Region (${try(local.shards[tenant.shard].region, "?")}); set application_profile: false for direct access to several"],
      ) : "${local.tenants_dir}/${name}: ${problem}"
    ] if can(keys(tenant)) && try(tenant.shard == var.shard, false)]),
  )
  supplied_external_ids = nonsensitive(keys(var.external_ids))
  external_id_problems  = [for id in local.supplied_external_ids : "external_ids: ${id} has no tenant file (${local.tenants_dir}/${id}.yaml)" if !contains(keys(local.documents), "${id}.yaml")]
  problems              = concat(local.shard_problems, sort(local.file_problems), local.external_id_problems)

  # Read only once every file is valid.
  tenants = {
    for name, tenant in local.documents : tenant.tenant_id => {
      shard               = tenant.shard
      customer_account_id = tostring(tenant.customer_account_id)
      trusted_role_arns   = [for arn in tenant.trusted_role_arns : arn]
      models              = [for model in tenant.models : model]
      regions             = [for region in tenant.regions : region]
      inference_scope     = try(tenant.inference_scope, "regional")
      application_profile = try(tenant.application_profile, true)
      content_policy      = try(tenant.content_policy, "hash")
      external_id_version = try(tenant.external_id_version, 1)
    } if length(local.problems) == 0
  }
  shard_tenants = { for id, tenant in local.tenants : id => tenant if tenant.shard == var.shard }

  # Supplied external ids win; every other tenant of the shard gets a generated one.
  external_ids = merge({ for id, password in random_password.external_id : id => password.result }, var.external_ids)
}

provider "aws" {
  region = try(local.shard.region, "us-east-1")
  # The provider itself refuses credentials of another account than the shard's.
  allowed_account_ids = try([tostring(local.shard.account_id)], null)

  dynamic "assume_role" {
    for_each = try(local.shard.terraform_role_arn, null) == null ? [] : [local.shard.terraform_role_arn]
    content {
      role_arn     = assume_role.value
      session_name = "terraform-bedrock-platform-${var.shard}"
    }
  }
}

# The checks of the whole run, evaluated at plan before anything is created.
resource "terraform_data" "shard" {
  input = { shard = var.shard, tenant_roles = length(local.shard_tenants) }

  lifecycle {
    precondition {
      condition     = length(local.problems) == 0
      error_message = "Invalid platform data:\n${join("\n", local.problems)}"
    }
    precondition {
      condition     = local.shard != null
      error_message = "shard ${var.shard} is not in ${local.shards_file} (shards: ${join(", ", sort(keys(local.shards)))})."
    }
    precondition {
      # IAM: 1,000 roles per account by default, adjustable (IAM User Guide, "IAM and AWS STS quotas").
      condition     = length(local.shard_tenants) <= var.max_roles_per_account
      error_message = "shard ${var.shard} would hold ${length(local.shard_tenants)} tenant roles, more than max_roles_per_account (${var.max_roles_per_account}): move tenants to another shard (their files' shard field) or raise the account's IAM roles quota and then max_roles_per_account."
    }
    precondition {
      condition     = contains(["default", var.shard], terraform.workspace)
      error_message = "Workspace ${terraform.workspace} holds another shard's state: select the shard's own workspace (terraform workspace select -or-create=true ${var.shard})."
    }
  }
}

resource "random_password" "external_id" {
  for_each = { for id, tenant in local.shard_tenants : id => tenant.external_id_version if !contains(local.supplied_external_ids, id) }

  length  = 32
  special = false # letters and digits: inside the sts:ExternalId character set
  # Raising external_id_version in the tenant's file generates a new id (rotation).
  keepers = { version = tostring(each.value) }
}

# Read once for the shard, not once per tenant (operations-role's operations_account).
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

module "operations_role" {
  source   = "../../modules/operations-role"
  for_each = local.shard_tenants

  operations_account = {
    account_id = data.aws_caller_identity.current.account_id
    partition  = data.aws_partition.current.partition
    region     = data.aws_region.current.region
  }

  tenant_id              = each.key
  trusted_principal_arns = each.value.trusted_role_arns
  external_id            = local.external_ids[each.key]
  allowed_model_ids      = each.value.models
  allowed_regions        = each.value.regions
  allow_source_identity  = true

  application_inference_profile = each.value.application_profile ? {
    model_id  = each.value.models[0]
    geography = each.value.inference_scope == "regional" ? null : each.value.inference_scope
  } : null
  inference_profile_geographies = each.value.application_profile || each.value.inference_scope == "regional" ? [] : [each.value.inference_scope]
  tags                          = merge(var.tags, { Shard = var.shard })
  # No depends_on on terraform_data.shard: a failed check fails the whole plan
  # anyway, and depends_on would defer the module's data sources to apply, leaving
  # the role ARNs and trust policies unknown at plan.
}

# Refused AssumeRole calls on this shard's tenant roles, counted from the shard
# account's CloudTrail log group when the shards file names one.
module "operations_monitoring" {
  source = "../../modules/operations-monitoring"
  count  = try(local.shard.cloudtrail_log_group_name, null) == null ? 0 : 1

  cloudtrail_log_group_name = local.shard.cloudtrail_log_group_name
  tags                      = merge(var.tags, { Shard = var.shard })
}
