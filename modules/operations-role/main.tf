data "aws_partition" "current" {}

data "aws_region" "current" {}

# Only system-defined inference profile ARNs carry the operations account id.
data "aws_caller_identity" "current" {
  count = length(var.inference_profile_geographies) > 0 ? 1 : 0
}

locals {
  partition = data.aws_partition.current.partition
  role_name = "${var.role_name_prefix}${var.tenant_id}"
  tags      = merge(var.tags, { TenantId = var.tenant_id })

  foundation_model_arns = [
    for pair in setproduct(var.allowed_regions, var.allowed_model_ids) :
    "arn:${local.partition}:bedrock:${pair[0]}::foundation-model/${pair[1]}"
  ]
  # Global cross-region profiles route to region-less foundation-model ARNs.
  global_model_arns = contains(var.inference_profile_geographies, "global") ? [
    for model in var.allowed_model_ids : "arn:${local.partition}:bedrock:::foundation-model/${model}"
  ] : []
  system_profile_arns = [
    for triple in setproduct(var.allowed_regions, var.inference_profile_geographies, var.allowed_model_ids) :
    "arn:${local.partition}:bedrock:${triple[0]}:${one(data.aws_caller_identity.current[*].account_id)}:inference-profile/${triple[1]}.${triple[2]}"
  ]
  static_invocable_arns = sort(distinct(concat(local.foundation_model_arns, local.global_model_arns, local.system_profile_arns)))
  application_profile   = var.application_inference_profile == null ? [] : [var.application_inference_profile]
  invocable_arns        = concat(local.static_invocable_arns, aws_bedrock_inference_profile.this[*].arn)
  profile_arns          = concat(local.system_profile_arns, aws_bedrock_inference_profile.this[*].arn)

  trust_actions = concat(
    ["sts:AssumeRole"],
    var.allow_source_identity ? ["sts:SetSourceIdentity"] : [],
    var.allow_session_tags ? ["sts:TagSession"] : [],
  )
  # IAM counts a policy's length without whitespace.
  trust_policy_length = length(data.aws_iam_policy_document.trust.minified_json)
  # Inline policies of a role share a 10,240-character quota.
  permissions_policy_limit = 10240
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "TenantWorkloadsWithExternalId"
    effect  = "Allow"
    actions = local.trust_actions

    principals {
      type        = "AWS"
      identifiers = var.trusted_principal_arns
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.external_id]
    }

    dynamic "condition" {
      for_each = var.principal_org_id == null ? [] : [var.principal_org_id]
      content {
        test     = "StringEquals"
        variable = "aws:PrincipalOrgID"
        values   = [condition.value]
      }
    }
  }
}

data "aws_iam_policy_document" "bedrock" {
  statement {
    sid       = "InvokeAllowedModels"
    effect    = "Allow"
    actions   = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    resources = local.invocable_arns
  }

  dynamic "statement" {
    for_each = length(local.system_profile_arns) + length(local.application_profile) > 0 ? [1] : []
    content {
      sid       = "ReadAllowedInferenceProfiles"
      effect    = "Allow"
      actions   = ["bedrock:GetInferenceProfile"]
      resources = local.profile_arns
    }
  }
}

resource "aws_iam_role" "this" {
  name        = local.role_name
  path        = var.role_path
  description = "Bedrock access for tenant ${var.tenant_id}; assumed from the tenant's customer account(s) with an external id."
  # The policy embeds the external id: keep it out of plan output and CI logs.
  assume_role_policy   = sensitive(data.aws_iam_policy_document.trust.json)
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary_arn
  tags                 = local.tags

  lifecycle {
    precondition {
      condition     = length(local.role_name) <= 64
      error_message = "The role name \"${local.role_name}\" (role_name_prefix + tenant_id) is ${length(local.role_name)} characters; IAM allows at most 64."
    }
    precondition {
      condition     = local.trust_policy_length <= var.trust_policy_max_characters
      error_message = "The trust policy for tenant ${var.tenant_id} is ${local.trust_policy_length} characters, above trust_policy_max_characters (${var.trust_policy_max_characters}): trust fewer principals in trusted_principal_arns, or raise the IAM quota and trust_policy_max_characters (at most 4096)."
    }
  }
}

resource "aws_iam_role_policy" "bedrock" {
  name   = "bedrock-invoke"
  role   = aws_iam_role.this.name
  policy = data.aws_iam_policy_document.bedrock.json

  lifecycle {
    precondition {
      # Checked on the known part: the application profile ARN adds ~150 characters.
      condition     = length(jsonencode(local.static_invocable_arns)) + 400 <= local.permissions_policy_limit
      error_message = "allowed_model_ids x allowed_regions x inference_profile_geographies produce ${length(local.static_invocable_arns)} resource ARNs, too many for the 10,240-character inline policy quota; allow fewer combinations."
    }
  }
}

resource "aws_bedrock_inference_profile" "this" {
  count = length(local.application_profile)

  name        = "${local.role_name}-profile"
  description = local.application_profile[0].description
  tags        = local.tags

  model_source {
    copy_from = "arn:${local.partition}:bedrock:${data.aws_region.current.region}::foundation-model/${local.application_profile[0].model_id}"
  }

  lifecycle {
    precondition {
      condition     = contains(var.allowed_model_ids, local.application_profile[0].model_id)
      error_message = "application_inference_profile.model_id \"${local.application_profile[0].model_id}\" must be one of allowed_model_ids."
    }
    precondition {
      condition     = contains(var.allowed_regions, data.aws_region.current.region)
      error_message = "The application inference profile is created in the provider's region ${data.aws_region.current.region}, which must be one of allowed_regions."
    }
  }
}
