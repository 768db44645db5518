# --- cost and usage: daily budget alarms and saved Logs Insights queries ----------------

locals {
  # Shipped in the function package beside the code (see var.price_table).
  price_table_file = "price-table.json"

  budget_metrics = {
    tokens = {
      budget = var.daily_token_budget
      metric = "total_tokens"
      what   = "tokens (input including prompt-cache reads and writes, plus output)"
    }
    cost = {
      budget = var.daily_cost_budget_usd
      metric = "estimated_cost_usd"
      what   = "estimated USD (from the runtime's price table: an estimate, not a bill)"
    }
  }
  budget_alarms = merge([
    for kind, spec in local.budget_metrics : {
      for fraction in var.budget_alarm_fractions : "daily-${kind}-at-${fraction}" => {
        metric    = spec.metric
        threshold = spec.budget * fraction
        description = format(
          "Tenant %s used %s%% of its daily budget of %s %s on %s (sum of the invocation records' %s over one day).",
          var.tenant_id, fraction * 100, spec.budget, spec.what, var.model_id, spec.metric,
        )
      }
    } if spec.budget != null
  ]...)

  # Logs Insights queries shipped with the runtime package, so the saved queries and
  # `python -m bedrock_tenant report` run the same text.
  saved_queries = var.create_query_definitions ? {
    "usage-by-day"   = "usage-by-day.logsinsights"
    "unpriced-calls" = "unpriced-calls.logsinsights"
  } : {}
}

# One alarm per budget and fraction on the EMF metric the records carry (dimensions
# tenant_id and model_id, as the runtime writes them). Period: 86,400 s, one evaluation
# period. PutMetricAlarm: Period is 10, 20, 30 or a multiple of 60, and Period x
# EvaluationPeriods may not exceed 604,800 s (86,400 s for periods under an hour)
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
resource "aws_cloudwatch_metric_alarm" "budget" {
  for_each = local.budget_alarms

  alarm_name          = "${local.function_name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = var.metric_namespace
  metric_name         = each.value.metric
  dimensions          = local.metric_dimensions
  statistic           = "Sum"
  period              = 86400
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.ok_actions
  tags                = local.tags
}

resource "aws_cloudwatch_query_definition" "this" {
  for_each = local.saved_queries

  name            = "bedrock-tenant/${var.tenant_id}/${each.key}"
  log_group_names = [local.invocation_log_group_name]
  query_string    = file("${local.source_dir}/bedrock_tenant/data/${each.value}")
}
