# The provider's partition, Region and account (system-defined profile ARNs and the role's
# own ARN carry the account id), read here only when the caller does not pass them in
# operations_account: a root with 1,000 tenants reads them once, not 1,000 times (one STS
# GetCallerIdentity per instance; docs/terraform-scale.md).
data "aws_partition" "current" {
  count = var.operations_account == null ? 1 : 0
}

data "aws_region" "current" {
  count = var.operations_account == null ? 1 : 0
}

data "aws_caller_identity" "current" {
  count = var.operations_account == null ? 1 : 0
}

locals {
  partition  = var.operations_account == null ? one(data.aws_partition.current[*].partition) : var.operations_account.partition
  region     = var.operations_account == null ? one(data.aws_region.current[*].region) : var.operations_account.region
  account_id = var.operations_account == null ? one(data.aws_caller_identity.current[*].account_id) : var.operations_account.account_id
  role_name  = "${var.role_name_prefix}${var.tenant_id}"
  # Known at plan (a name, not a handle), so the customer side can be planned
  # before this role exists.
  role_arn = "arn:${local.partition}:iam::${local.account_id}:role${var.role_path}${local.role_name}"
  # The role's tags are also its cost allocation tags (cost.tf): TenantId and an
  # optional CostCenter win over var.tags.
  tags = merge(var.tags, local.cost_allocation_tags)

  # Region names per partition, as the AWS provider's region table
  # (aws-sdk-go-base endpoints) defines them.
  region_patterns = {
    aws        = "^(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-[0-9]+$"
    aws-cn     = "^cn-[a-z]+-[0-9]+$"
    aws-us-gov = "^us-gov-[a-z]+-[0-9]+$"
  }
  region_pattern = lookup(local.region_patterns, local.partition, "^$")
  # Geography prefixes of system-defined (cross-Region) inference profiles per
  # partition: Bedrock user guide, "Supported Regions and models for inference
  # profiles" (inference-profiles-support.html).
  partition_geographies = {
    aws        = ["us", "eu", "apac", "jp", "au", "global"]
    aws-us-gov = ["us-gov"]
    aws-cn     = []
  }
  geographies_here = lookup(local.partition_geographies, local.partition, [])

  # --- Bedrock resources ------------------------------------------------------------
  # ARN formats: Service Authorization Reference, "Actions, resources, and condition
  # keys for Amazon Bedrock" (foundation-model has no account; inference-profile has).
  profile   = var.application_inference_profile
  exclusive = local.profile != null && try(local.profile.exclusive, false)
  # As read from the provider's Region table (which refuses Regions that do not exist).
  allowed_regions = [for r in var.allowed_regions : data.aws_region.allowed_regions[r].region]

  direct_model_arns = local.exclusive ? [] : [
    for pair in setproduct(local.allowed_regions, var.allowed_model_ids) :
    "arn:${local.partition}:bedrock:${pair[0]}::foundation-model/${pair[1]}"
  ]
  system_profiles = local.exclusive ? [] : [
    for triple in setproduct(local.allowed_regions, var.inference_profile_geographies, var.allowed_model_ids) : {
      geography = triple[1]
      arn       = "arn:${local.partition}:bedrock:${triple[0]}:${local.account_id}:inference-profile/${triple[1]}.${triple[2]}"
    }
  ]
  system_profile_arns = sort(local.system_profiles[*].arn)
  global_profile_arns = sort([for p in local.system_profiles : p.arn if p.geography == "global"])
  # A geographic profile routes to its model in every destination Region of the
  # geography, and the caller needs bedrock:InvokeModel on the foundation model in
  # each of them (Bedrock user guide, "Geographic cross-Region inference", IAM policy
  # requirements). Rather than a routing table that AWS extends without notice, the
  # grant covers the allowed models in any Region, but only when the request came
  # through one of the allowed profiles (bedrock:InferenceProfileArn).
  routed_model_arns = [for model in var.allowed_model_ids : "arn:${local.partition}:bedrock:*::foundation-model/${model}"]
  # Global profiles route to a Region-less foundation-model ARN, and for that
  # authorization aws:RequestedRegion is "unspecified" (Bedrock user guide, "Global
  # cross-Region inference", IAM policy requirements).
  region_less_model_arns = [for model in var.allowed_model_ids : "arn:${local.partition}:bedrock:::foundation-model/${model}"]

  # The per-tenant application profile: copied from a foundation model (one Region,
  # the provider's) or from a system-defined cross-Region profile (its Regions).
  profile_source_arn = local.profile == null ? null : (
    local.profile.geography == null
    ? "arn:${local.partition}:bedrock:${local.region}::foundation-model/${local.profile.model_id}"
    : "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:inference-profile/${local.profile.geography}.${local.profile.model_id}"
  )
  profile_name = local.profile == null ? null : coalesce(local.profile.name, "${local.role_name}-profile")
  # Known after apply. Tests override this local (a Terraform override file) to
  # render the profile's policy at plan.
  application_profile_arn = one(aws_bedrock_inference_profile.this[*].arn)

  # --- guards ---------------------------------------------------------------------
  # The distinct customer accounts of the trusted roles: the trust policy's principals.
  trusted_accounts = sort(distinct([for arn in var.trusted_principal_arns : split(":", arn)[4]]))
  # Principals of both trust statements: the accounts, narrowed to the roles by aws:PrincipalArn.
  trusted_account_roots = [for account in local.trusted_accounts : "arn:${local.partition}:iam::${account}:root"]
  # IAM counts a policy's length without whitespace (IAM and STS quotas).
  # Not secret (the external id's length at most), and shown in the quota's error message.
  trust_policy_length = nonsensitive(length(local.trust_policy_json))
  # Inline policies of a role share one 10,240-character quota (IAM and STS quotas).
  permissions_policy_limit = 10240
  # The application profile's policy is known after apply; its three statements
  # with ARNs of the longest forms stay under this bound, plus the guard statements
  # it includes (guardrail.tf).
  application_policy_budget = local.profile == null ? 0 : 1500 + length(jsonencode(local.guard_statements))
  permissions_policy_length = (local.exclusive ? 0 : length(local.bedrock_policy_json)) + local.application_policy_budget
  arn_partitions = distinct(concat(
    [for arn in var.trusted_principal_arns : split(":", arn)[1]],
    var.permissions_boundary_arn == null ? [] : [split(":", var.permissions_boundary_arn)[1]],
  ))
}

# Every allowed Region must be a Region of the provider's partition: the
# precondition refuses another partition's Region (cn-north-1 next to aws), and
# reading the Region from the provider's (offline) Region table refuses one that
# does not exist (us-east-9), naming it in this data source's address.
data "aws_region" "allowed_regions" { # allowed_regions: each must be a Region that exists in the provider's partition
  for_each = toset(var.allowed_regions)
  region   = each.key

  lifecycle {
    precondition {
      condition     = can(regex(local.region_pattern, each.key))
      error_message = "allowed_regions: ${each.key} is not a Region of the provider's partition (${local.partition})."
    }
  }
}

# --- trust ------------------------------------------------------------------------

locals {
  # What every trust statement requires of the caller, built once so that a statement
  # added later cannot miss one: one of the listed roles (aws:PrincipalArn) of the
  # tenant's accounts, the external id, and the organization when set.
  caller_conditions = concat(
    [
      { test = "ArnEquals", variable = "aws:PrincipalArn", values = var.trusted_principal_arns },
      { test = "StringEquals", variable = "sts:ExternalId", values = [var.external_id] },
    ],
    var.principal_org_id == null ? [] : [{ test = "StringEquals", variable = "aws:PrincipalOrgID", values = [var.principal_org_id] }],
  )

  # The source identity is the label the operations account's CloudTrail shows for the
  # session (and it cannot be changed later in a role chain; IAM user guide, "Monitor
  # and control actions taken with assumed roles"): pinned to this tenant, as the
  # tenant id itself or <tenant_id>.<workload>. Tenant ids hold no ".", so no tenant's
  # label can start with another tenant's id and the dot.
  source_identity_patterns = [var.tenant_id, "${var.tenant_id}.*"]

  # sts:AssumeRole, sts:SetSourceIdentity and sts:TagSession are authorised as actions
  # of their own, each by a statement of the trust policy (IAM user guide, "Passing
  # session tags in AWS STS"; "Monitor and control actions taken with assumed roles").
  trust_statements = concat(
    [{ sid = "TenantWorkloadsWithExternalId", actions = ["sts:AssumeRole"], conditions = [] }],
    var.allow_source_identity ? [{
      sid        = "TenantSourceIdentityOnly"
      actions    = ["sts:SetSourceIdentity"]
      conditions = [{ test = "StringLike", variable = "sts:SourceIdentity", values = local.source_identity_patterns }]
    }] : [],
    # Only this tenant's cost allocation tags with this tenant's values, so a session
    # cannot claim another tenant's TenantId or cost centre (cost.tf). IfExists: a
    # session may pass any of its tags; each one it passes must hold this tenant's
    # value, and aws:TagKeys admits no other key.
    var.allow_session_tags ? [{
      sid     = "TenantSessionTagsOnly"
      actions = ["sts:TagSession"]
      conditions = concat(
        [for key, value in local.cost_allocation_tags : { test = "StringEqualsIfExists", variable = "aws:RequestTag/${key}", values = [value] }],
        [{ test = "ForAllValues:StringEquals", variable = "aws:TagKeys", values = keys(local.cost_allocation_tags) }],
      )
    }] : [],
  )
}

# The customer accounts are the principals and aws:PrincipalArn names the exact
# roles. A role session's aws:PrincipalArn is the role's ARN, path included (IAM
# user guide, "AWS global condition context keys"). Unlike a role ARN in the
# Principal element, which IAM converts to the role's unique id when the policy is
# saved (so a recreated role is locked out) and which IAM refuses while the role
# does not exist (IAM user guide, "AWS JSON policy elements: Principal"), this
# survives the customer recreating the role and lets either side apply first.
#
# The policies of this module are rendered with jsonencode, not aws_iam_policy_document:
# the data source adds nothing the tests do not check (the IAM evaluator reads every
# rendered policy), and at 1,000 tenants its three reads per instance were most of the
# plan (docs/terraform-scale.md). jsonencode writes no whitespace, so a
# policy's length is what IAM counts against its quotas.
locals {
  trust_statements_rendered = [for statement in local.trust_statements : {
    Sid       = statement.sid
    Effect    = "Allow"
    Action    = statement.actions
    Principal = { AWS = local.trusted_account_roots }
    # One block per operator, one key per variable (IAM JSON policy reference, "Condition").
    Condition = {
      for test in distinct([for c in concat(local.caller_conditions, statement.conditions) : c.test]) :
      test => { for c in concat(local.caller_conditions, statement.conditions) : c.variable => c.values if c.test == test }
    }
  }]

  # Each policy in IAM's compact form, as aws_iam_policy_document writes it: a one-element
  # list of actions, resources, principals or condition values as its element (the trust
  # policy's 2,048-character quota counts every character). try() takes the first form that
  # applies: one() for a one-element list, tolist() for a longer one, the object's members
  # for Principal and Condition, the value itself for a string.
  policy_statements = {
    trust               = local.trust_statements_rendered
    bedrock             = local.bedrock_statements
    application_profile = local.application_profile_statements
  }
  policy_json = {
    for name, statements in local.policy_statements : name => jsonencode({
      Version = "2012-10-17"
      Statement = [for statement in statements : {
        for key, value in statement : key => try(one(value), tolist(value), {
          for inner_key, inner in value : inner_key => try(one(inner), tolist(inner), {
            for variable, values in inner : variable => try(one(values), values)
          })
        }, value)
      }]
    })
  }
  trust_policy_json = local.policy_json.trust
}

# --- permissions ------------------------------------------------------------------

# InvokeModel and InvokeModelWithResponseStream also authorise Converse and
# ConverseStream (Bedrock API reference, Converse: "requires permission for the
# bedrock:InvokeModel action"). Both Bedrock policies start with the API-key and
# guardrail statements (guardrail.tf).
locals {
  bedrock_statements = concat(
    local.guard_statements,
    [{
      Sid      = "InvokeFoundationModelsInAllowedRegions"
      Effect   = "Allow"
      Action   = local.invoke_actions
      Resource = local.direct_model_arns
    }],
    length(local.system_profile_arns) == 0 ? [] : [{
      Sid      = "InvokeAllowedSystemInferenceProfiles"
      Effect   = "Allow"
      Action   = concat(local.invoke_actions, ["bedrock:GetInferenceProfile"])
      Resource = local.system_profile_arns
    }],
    length(local.system_profile_arns) == 0 ? [] : [{
      Sid       = "InvokeModelsWhereverAllowedProfilesRoute"
      Effect    = "Allow"
      Action    = local.invoke_actions
      Resource  = local.routed_model_arns
      Condition = { StringEquals = { "bedrock:InferenceProfileArn" = local.system_profile_arns } }
    }],
    length(local.global_profile_arns) == 0 ? [] : [{
      Sid      = "InvokeModelsThroughGlobalProfiles"
      Effect   = "Allow"
      Action   = local.invoke_actions
      Resource = local.region_less_model_arns
      Condition = { StringEquals = {
        "aws:RequestedRegion"         = ["unspecified"]
        "bedrock:InferenceProfileArn" = local.global_profile_arns
      } }
    }],
  )
  bedrock_policy_json = local.exclusive ? null : local.policy_json.bedrock

  # The application profile's own policy: the profile, and its model in the Regions
  # it routes to, only through it. With `exclusive` (the default) this is the role's
  # only Bedrock access, so every call is attributed to the tenant's profile.
  # Rendered only with a profile; the placeholders keep the expressions valid without one.
  profile_model_id  = try(local.profile.model_id, "none")
  profile_geography = try(local.profile.geography, null)
  application_profile_statements = concat(
    local.guard_statements,
    [{
      Sid      = "InvokeTheTenantsApplicationProfile"
      Effect   = "Allow"
      Action   = concat(local.invoke_actions, ["bedrock:GetInferenceProfile"])
      Resource = [local.application_profile_arn]
    }],
    [{
      Sid    = "InvokeItsModelOnlyThroughIt"
      Effect = "Allow"
      Action = local.invoke_actions
      # Copied from a foundation model, the profile serves the provider's Region only.
      Resource = [
        local.profile_geography == null
        ? "arn:${local.partition}:bedrock:${local.region}::foundation-model/${local.profile_model_id}"
        : "arn:${local.partition}:bedrock:*::foundation-model/${local.profile_model_id}"
      ]
      Condition = { StringEquals = { "bedrock:InferenceProfileArn" = [local.application_profile_arn] } }
    }],
    local.profile_geography != "global" ? [] : [{
      Sid      = "InvokeItsModelThroughGlobalRouting"
      Effect   = "Allow"
      Action   = local.invoke_actions
      Resource = ["arn:${local.partition}:bedrock:::foundation-model/${local.profile_model_id}"]
      Condition = { StringEquals = {
        "aws:RequestedRegion"         = ["unspecified"]
        "bedrock:InferenceProfileArn" = [local.application_profile_arn]
      } }
    }],
  )
  application_profile_policy_json = local.profile == null ? null : local.policy_json.application_profile
}

resource "aws_iam_role" "this" {
  # checkov:skip=CKV_AWS_61:The principals are the tenant's customer accounts on purpose; the trust policy's ArnEquals aws:PrincipalArn condition admits only the listed roles (checkov does not read conditions), and naming roles as principals breaks when a customer recreates a role.
  name        = local.role_name
  path        = var.role_path
  description = "Bedrock access for tenant ${var.tenant_id}; assumed from the tenant's customer account(s) with an external id."
  # The policy embeds the external id: keep it out of plan output and CI logs.
  assume_role_policy   = sensitive(local.trust_policy_json)
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary_arn
  tags                 = local.tags

  lifecycle {
    precondition {
      # IAM allows 2-1224 characters of [\w+=,.@:/-] for sts:ExternalId (STS AssumeRole API
      # reference); a short one is guessable. Sensitive: the message never shows the value.
      condition     = length(var.external_id) >= 16 && length(var.external_id) <= 1224 && can(regex("^[A-Za-z0-9_+=,.@:/-]+$", var.external_id))
      error_message = "external_id must be 16-1224 characters of letters, digits and _+=,.@:/- (IAM allows 2 characters, but a short external id is guessable)."
    }
    precondition {
      condition     = contains(keys(local.region_patterns), local.partition)
      error_message = "The provider's partition is ${local.partition}; this module supports aws, aws-cn and aws-us-gov."
    }
    precondition {
      # IAM and STS quotas: role names are at most 64 characters.
      condition     = length(local.role_name) <= 64
      error_message = "The role name \"${local.role_name}\" (role_name_prefix + tenant_id) is ${length(local.role_name)} characters; IAM allows at most 64."
    }
    precondition {
      condition     = alltrue([for p in local.arn_partitions : p == local.partition])
      error_message = "trusted_principal_arns and permissions_boundary_arn must be ARNs of the provider's partition (${local.partition}); found ${join(", ", local.arn_partitions)}."
    }
    precondition {
      condition     = alltrue([for g in var.inference_profile_geographies : contains(local.geographies_here, g)])
      error_message = "inference_profile_geographies: the ${local.partition} partition has system inference profiles for [${join(", ", local.geographies_here)}] only."
    }
    precondition {
      # IAM and STS quotas: role trust policy length, 2,048 characters by default
      # and at most 4,096 after a quota increase.
      condition     = local.trust_policy_length <= var.trust_policy_max_characters
      error_message = "The trust policy for tenant ${var.tenant_id} is ${local.trust_policy_length} characters, above trust_policy_max_characters (${var.trust_policy_max_characters}): trust fewer roles in trusted_principal_arns, or raise the IAM quota and trust_policy_max_characters (at most 4096)."
    }
    # guardrail (guardrail.tf). Guardrails are regional. A guardrail of another account can be named only through its
    # resource-based policy (Bedrock user guide, "Using resource-based policies for guardrails");
    # this module pins the tenant to a guardrail of the operations account, whose version it
    # controls. A call names a guardrail of the Region it is made in, so with a guardrail every
    # call must come from that one Region.
    precondition {
      condition     = local.guardrail == null || local.create_guardrail || try(split(":", local.guardrail.arn)[4] == local.account_id, false)
      error_message = "guardrail.arn must be a guardrail of the operations account (${local.account_id}): the tenant's role calls Bedrock in this account."
    }
    precondition {
      condition     = local.guardrail == null || local.create_guardrail || try(split(":", local.guardrail.arn)[1] == local.partition, false)
      error_message = "guardrail.arn must be an ARN of the provider's partition (${local.partition})."
    }
    precondition {
      condition     = local.guardrail == null || alltrue([for r in var.allowed_regions : r == (local.create_guardrail ? local.region : try(split(":", local.guardrail.arn)[3], ""))])
      error_message = "With a guardrail, allowed_regions must be exactly the guardrail's Region (${local.create_guardrail ? local.region : try(split(":", local.guardrail.arn)[3], "?")}; a created guardrail is in the provider's Region): a call names a guardrail of the Region it is made in, so calls from any other allowed Region would all be refused."
    }
    precondition {
      condition     = local.permissions_policy_length <= local.permissions_policy_limit
      error_message = "The role's Bedrock policies come to about ${local.permissions_policy_length} characters, above IAM's 10,240 for a role's inline policies: allow fewer combinations of allowed_model_ids, allowed_regions and inference_profile_geographies."
    }
  }
}

locals {
  # The policies name the role through this local, not aws_iam_role.this directly: for a
  # reference between two resources of a for_each module, Terraform (1.11 to 1.13) builds
  # the apply graph by walking every instance of the target in every module instance
  # (quadratic in tenants; docs/terraform-scale.md); a local is one node.
  created_role_name = aws_iam_role.this.name
}

resource "aws_iam_role_policy" "bedrock" {
  count = local.exclusive ? 0 : 1

  name   = "bedrock-invoke"
  role   = local.created_role_name
  policy = local.bedrock_policy_json
}

resource "aws_iam_role_policy" "application_profile" {
  count = local.profile == null ? 0 : 1

  name   = "bedrock-invoke-application-profile"
  role   = local.created_role_name
  policy = local.application_profile_policy_json
}

resource "aws_bedrock_inference_profile" "this" {
  count = local.profile == null ? 0 : 1

  name        = local.profile_name
  description = local.profile.description
  tags        = local.tags

  model_source {
    copy_from = local.profile_source_arn
  }

  lifecycle {
    precondition {
      condition     = contains(var.allowed_model_ids, local.profile.model_id)
      error_message = "application_inference_profile.model_id \"${local.profile.model_id}\" must be one of allowed_model_ids."
    }
    precondition {
      condition     = contains(var.allowed_regions, local.region)
      error_message = "The application inference profile is created in the provider's Region ${local.region}, which must be one of allowed_regions."
    }
    precondition {
      condition     = local.profile.geography == null || contains(local.geographies_here, coalesce(local.profile.geography, "-"))
      error_message = "application_inference_profile.geography: the ${local.partition} partition has system inference profiles for [${join(", ", local.geographies_here)}] only."
    }
    precondition {
      # With exclusive, the role reaches Bedrock only through this profile, so
      # anything else the inputs allow would silently do nothing.
      condition     = !local.exclusive || (length(var.allowed_model_ids) == 1 && length(var.inference_profile_geographies) == 0 && length(var.allowed_regions) == 1)
      error_message = "application_inference_profile.exclusive is true (the default): the tenant reaches Bedrock only through its profile, so allowed_model_ids must hold only its model_id, allowed_regions only the provider's Region (${local.region}) and inference_profile_geographies nothing. Set exclusive = false to also allow them directly."
    }
    precondition {
      # Bedrock CreateInferenceProfile: inferenceProfileName is 1-64 characters of
      # ([0-9a-zA-Z][ _-]?)+ (no . + = , @).
      condition     = length(local.profile_name) <= 64 && can(regex("^([0-9a-zA-Z][ _-]?)+$", local.profile_name))
      error_message = "The application inference profile name \"${local.profile_name}\" (role_name_prefix + tenant_id + \"-profile\", or application_inference_profile.name) must be 1-64 characters of letters and digits, each optionally followed by one space, _ or -; Bedrock refuses . + = , @ there."
    }
  }
}
