# --- data protection: masked sensitive data in the invocation records ----------------------

# CloudWatch Logs user guide, "Understanding data protection policies" and the
# PutDataProtectionPolicy API reference: one policy per log group, Version 2021-06-01,
# exactly one Audit statement (with a FindingsDestination, possibly empty) and one
# Deidentify statement ("MaskConfig": {}) naming exactly the same data identifiers.
# Sensitive data is masked when it is ingested: events ingested before the policy
# existed stay unmasked, and principals with logs:Unmask can read the raw data.
locals {
  data_protection = coalesce(var.data_protection.enabled, var.content_policy == "full")
  audit_findings  = local.data_protection && var.data_protection.audit_findings
  data_identifier_arns = [
    for identifier in var.data_protection.data_identifiers :
    startswith(identifier, "arn:") ? identifier : "arn:${local.partition}:dataprotection::aws:data-identifier/${identifier}"
  ]
  foreign_data_identifiers = [for arn in local.data_identifier_arns : arn if split(":", arn)[1] != local.partition]

  # Findings reach the group through CloudWatch Logs' log delivery, which writes a log
  # resource policy (logs:CreateLogDelivery and logs:PutResourcePolicy, CloudWatch Logs
  # user guide, "IAM permissions required to create or work with a data protection
  # policy"); the /aws/vendedlogs/ prefix keeps that policy under its 5,120-character limit (Step
  # Functions developer guide, "Avoiding CloudWatch Logs resource policy size
  # restrictions"). At most 31 + 54 + 25 characters of CreateLogGroup's 512.
  findings_log_group_name = "/aws/vendedlogs/bedrock-tenant/${local.function_name}/data-protection-findings"
  # The key policy names it beside the module's other log groups (see data.aws_iam_policy_document.key).
  findings_log_group_arns = local.audit_findings ? ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.findings_log_group_name}"] : []

  # Every log group a record can land in gets the policy. put_log_events: the invocation
  # log group, and the function's own when PutLogEvents cannot take a record and the
  # runtime prints it as the last resort (Lambda delivers stdout there).
  # lambda_log_pipeline: the invocation log group; the function's own still holds what
  # it held before a switch (main.tf), and masking applies to reads of it too.
  protected_log_groups = local.data_protection ? {
    invocations = aws_cloudwatch_log_group.invocations.name
    function    = aws_cloudwatch_log_group.function.name
  } : {}
  protected_log_group_descriptions = {
    invocations = "invocation records"
    function    = "function logs (the records' last-resort delivery)"
  }
}

# Findings reports name the identifier and the match's offsets, never the matched data
# (CloudWatch Logs user guide, "Audit findings reports"); encrypted and retained like the
# records they describe.
resource "aws_cloudwatch_log_group" "data_protection_findings" {
  count = local.audit_findings ? 1 : 0

  name              = local.findings_log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn
  log_group_class   = "STANDARD"
  tags              = local.tags
}

data "aws_cloudwatch_log_data_protection_policy_document" "this" {
  for_each = local.protected_log_groups

  name        = "bedrock-tenant-${var.tenant_id}-${each.key}"
  description = "Masks sensitive data in tenant ${var.tenant_id}'s ${local.protected_log_group_descriptions[each.key]}."

  # The provider requires the Audit statement first and the Deidentify statement second.
  statement {
    sid              = "Audit"
    data_identifiers = local.data_identifier_arns

    operation {
      audit {
        findings_destination {
          # By name, not the resource's attribute: the document stays known at plan.
          dynamic "cloudwatch_logs" {
            for_each = local.audit_findings ? [local.findings_log_group_name] : []
            content {
              log_group = cloudwatch_logs.value
            }
          }
        }
      }
    }
  }

  statement {
    sid              = "Deidentify"
    data_identifiers = local.data_identifier_arns

    operation {
      deidentify {
        mask_config {}
      }
    }
  }
}

resource "aws_cloudwatch_log_data_protection_policy" "this" {
  for_each = local.protected_log_groups

  log_group_name  = each.value
  policy_document = data.aws_cloudwatch_log_data_protection_policy_document.this[each.key].json

  # AWS refuses a findings destination that does not exist yet.
  depends_on = [aws_cloudwatch_log_group.data_protection_findings]

  lifecycle {
    precondition {
      condition     = length(local.foreign_data_identifiers) == 0
      error_message = "data_protection.data_identifiers: these ARNs are of another partition than the provider's (${local.partition}): ${join(", ", local.foreign_data_identifiers)}."
    }
  }
}

moved {
  from = aws_cloudwatch_log_data_protection_policy.invocations[0]
  to   = aws_cloudwatch_log_data_protection_policy.this["invocations"]
}
