# Counts sts:AssumeRole calls on the tenant roles that AWS refused, from the
# account's CloudTrail events in CloudWatch Logs, and raises an alarm: the vendor
# sees someone knocking on a tenant's door without seeing any content.
#
# What CloudTrail can show here: "For cross-account role assumption requests,
# CloudTrail does not log denied AWS STS requests in the target account's
# CloudTrail" (IAM User Guide, "Logging IAM and AWS STS API calls with AWS
# CloudTrail"). A customer workload refused by a tenant role's trust policy is
# therefore logged in the customer's account only (and in the invoker's records
# there, error_type AccessDenied); this alarm counts the refusals CloudTrail
# delivers to the role's account: principals of this account (and of accounts
# whose trails deliver here) trying tenant roles.
#
# A metric filter rather than an EventBridge rule: a rule sees the API events of
# its own Region only (EventBridge user guide, "AWS service events delivered via
# AWS CloudTrail"; STS logs in the Region of the endpoint called, IAM User Guide
# page above), while a
# multi-Region trail brings every Region into one log group; and a filter counts
# without a target to run.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  # Matches every role the operations-role modules create with this prefix and
  # path. In a JSON filter pattern the value is "a string with or without
  # quotes", and one with characters such as ':' and '/' must be quoted; in both
  # forms "you can use the asterisk '*' wildcard character to match any text at,
  # before, or after a search term", while an inner * is literal ("Ev*ent will
  # only match the actual string Ev*ent"), hence no * in role_path or the prefix
  # (CloudWatch Logs User Guide, "Filter pattern syntax for metric filters,
  # subscription filters, filter log events, and Live Tail", JSON log events).
  # A quoted trailing * is the form of the CloudTrail User Guide's own alarm:
  # { ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }
  # ("Creating CloudWatch alarms for CloudTrail events: examples"). The plan
  # tests read the rendered pattern with tests/fakes/filter_pattern.py.
  tenant_role_arns = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role${var.role_path}${var.role_name_prefix}*"
}

resource "aws_cloudwatch_log_metric_filter" "assume_role_denied" {
  name           = var.name
  log_group_name = var.cloudtrail_log_group_name
  pattern = join(" && ", [
    "{ ($.eventSource = \"sts.amazonaws.com\")",
    "($.eventName = \"AssumeRole\")",
    "($.errorCode = \"AccessDenied\")",
    "($.requestParameters.roleArn = \"${local.tenant_role_arns}\") }",
  ])

  metric_transformation {
    name      = var.name
    namespace = var.metric_namespace
    value     = "1"
    # No dimension (e.g. the role ARN): CloudWatch Logs may disable a filter that
    # produces 1,000 dimension values within an hour (PutMetricFilter), which
    # someone probing many role names would do. CloudTrail names the role.
    unit = "Count"
  }
}

resource "aws_cloudwatch_metric_alarm" "assume_role_denied" {
  alarm_name          = var.name
  alarm_description   = "AWS refused sts:AssumeRole on a tenant role (${local.tenant_role_arns}); see CloudTrail (eventName AssumeRole, errorCode AccessDenied) for the caller and the role."
  namespace           = var.metric_namespace
  metric_name         = aws_cloudwatch_log_metric_filter.assume_role_denied.metric_transformation[0].name
  statistic           = "Sum"
  period              = var.alarm_period_seconds
  evaluation_periods  = 1
  threshold           = var.alarm_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  # A metric filter publishes nothing while nothing matches.
  treat_missing_data = "notBreaching"
  alarm_actions      = var.alarm_actions
  ok_actions         = var.ok_actions
  tags               = var.tags
}
