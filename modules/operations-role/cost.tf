# --- billing-grade attribution: cost allocation tags and an optional AWS Budgets budget ---
#
# Amazon Bedrock records the IAM principal of every inference call and passes it, with
# the principal's tags, to Cost Explorer and the CUR 2.0 data export (Bedrock user guide,
# "IAM principal attribution",
# https://docs.aws.amazon.com/bedrock/latest/userguide/cost-mgmt-iam-principal-tracking.html).
# With one operations role per tenant, the role is the tenant; its tags (TenantId, and
# CostCenter when set) become billing dimensions once activated as cost allocation tags
# (README "Billing-grade attribution"). Session tags, when allowed, may only repeat them
# (main.tf, statement TenantSessionTagsOnly): a session tag with the same key as a role
# tag overrides it (IAM user guide, "Passing session tags in AWS STS",
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html), so the trust
# policy pins each key's value with aws:RequestTag/<key> and the keys with aws:TagKeys
# (IAM user guide, "Controlling access during AWS requests").

locals {
  cost_allocation_tags = merge(
    var.cost_center == null ? {} : { CostCenter = var.cost_center },
    { TenantId = var.tenant_id },
  )
}

# A monthly cost budget for the tenant, filtered on its TenantId cost allocation tag
# (AWS Budgets CostFilters "TagKeyValue", "user:<key>$<value>";
# https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Budget.html).
# It sees only cost that carries the tag as a resource tag: activate TenantId in Billing
# first. Only the tenant's application inference profile carries it into the bill (a
# resource tag of the profile). Calls that reach Bedrock without the profile are billed
# to the role, whose tags appear as IAM-principal cost allocation tags
# (iamPrincipal/<key> in Cost Explorer and CUR 2.0; Bedrock user guide, "IAM principal
# attribution"); AWS Budgets documents no filter on those (the Budget API's
# CostFilters/FilterExpression name user-defined and AWS-generated resource tags), so
# such a budget would stay at $0: it needs the exclusive profile (precondition below).
resource "aws_budgets_budget" "tenant" {
  count = var.monthly_budget_usd == null ? 0 : 1

  # AWS Budgets: names are at most 100 characters and may not contain ':' or '\'.
  # The role's name (prefix included, at most 64), so two roles of one tenant id in an
  # account (different role_name_prefix) get two budgets.
  name         = local.role_name
  budget_type  = "COST"
  limit_amount = format("%.2f", var.monthly_budget_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"
  tags         = local.tags

  cost_filter {
    name   = "TagKeyValue"
    values = [format("%sTenantId$%s", var.budget_tag_key_prefix, var.tenant_id)]
  }

  dynamic "notification" {
    for_each = toset(var.budget_notification_fractions)
    content {
      comparison_operator        = "GREATER_THAN"
      notification_type          = "ACTUAL"
      threshold                  = notification.value * 100
      threshold_type             = "PERCENTAGE"
      subscriber_email_addresses = var.budget_notification_emails
      subscriber_sns_topic_arns  = var.budget_notification_sns_topic_arns
    }
  }

  lifecycle {
    precondition {
      condition     = local.exclusive
      error_message = "monthly_budget_usd needs an exclusive application_inference_profile: the budget filters on the TenantId resource tag, which only the tenant's application profile carries into the bill. Calls billed to the role alone carry the tag as an IAM-principal cost allocation tag (iamPrincipal/TenantId), on which AWS Budgets documents no filter, so the budget would stay at $0."
    }
    precondition {
      condition     = length(var.budget_notification_emails) + length(var.budget_notification_sns_topic_arns) > 0
      error_message = "monthly_budget_usd is set but nobody is notified: set budget_notification_emails or budget_notification_sns_topic_arns (AWS Budgets needs at least one subscriber per notification)."
    }
  }
}
