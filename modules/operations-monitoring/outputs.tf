output "metric_filter_pattern" {
  description = "The CloudWatch Logs filter pattern that counts refused AssumeRole calls on the tenant roles."
  value       = aws_cloudwatch_log_metric_filter.assume_role_denied.pattern
}

output "metric" {
  description = "Namespace and name of the count of refused AssumeRole calls."
  value       = { namespace = var.metric_namespace, name = var.name }
}

output "alarm_arn" {
  description = "ARN of the alarm on refused AssumeRole calls."
  value       = aws_cloudwatch_metric_alarm.assume_role_denied.arn
}
