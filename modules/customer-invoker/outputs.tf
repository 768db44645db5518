output "function_name" {
  description = "Name of the invoker Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the invoker Lambda function."
  value       = aws_lambda_function.this.arn
}

output "execution_role_arn" {
  description = "ARN of the function's execution role: the role the tenant's operations role must trust (operations-role's trusted_principal_arns). Built from the account and name, so it is known at plan and the operations role can be created first."
  value       = local.execution_role_arn
}

output "execution_role_name" {
  description = "Name of the function's execution role."
  value       = aws_iam_role.this.name
}

output "invocation_log_group_name" {
  description = "Name of the log group that receives one record per model call."
  value       = aws_cloudwatch_log_group.invocations.name
}

output "invocation_log_group_arn" {
  description = "ARN of the invocation log group."
  value       = aws_cloudwatch_log_group.invocations.arn
}

output "function_log_group_name" {
  description = "Name of the function's own log group (JSON format). With record_delivery = \"lambda_log_pipeline\" the function logs to the invocation log group instead, and this group is kept for what it already holds."
  value       = aws_cloudwatch_log_group.function.name
}

output "function_log_group_arn" {
  description = "ARN of the function's own log group (kept with record_delivery = \"lambda_log_pipeline\" too)."
  value       = aws_cloudwatch_log_group.function.arn
}

output "function_target_arn" {
  description = "The ARN callers invoke (Lambda Invoke, resource-based permissions, event sources): the \"live\" alias with snap_start (the unqualified function runs without SnapStart), the function otherwise."
  value       = var.snap_start ? aws_lambda_alias.live[0].arn : aws_lambda_function.this.arn
}

output "function_target_invoke_arn" {
  description = "API Gateway integration URI of function_target_arn."
  value       = var.snap_start ? aws_lambda_alias.live[0].invoke_arn : aws_lambda_function.this.invoke_arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the log groups, the environment and the dead-letter queue (created or supplied)."
  value       = local.kms_key_arn
}

output "dead_letter_queue_arn" {
  description = "ARN of the function's dead-letter queue, or null when create_dead_letter_queue is false."
  value       = one(aws_sqs_queue.dead_letter[*].arn)
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard, or null when create_dashboard is false."
  value       = one(aws_cloudwatch_dashboard.this[*].dashboard_name)
}

output "alarm_arns" {
  description = "ARNs of the model error and throttle alarms."
  value       = { for name, alarm in aws_cloudwatch_metric_alarm.model : name => alarm.arn }
}

output "code_sha256" {
  description = "Base64 SHA-256 of the code zip Terraform built: changes only when the package's files do."
  value       = data.archive_file.code.output_base64sha256
}

output "environment_variable_names" {
  description = "Names of the function's environment variables (values stay sensitive)."
  value       = sort(keys(nonsensitive(local.environment)))
}

output "budget_alarm_arns" {
  description = "ARNs of the daily token and estimated-cost alarms, by name (daily-<tokens|cost>-at-<fraction>)."
  value       = { for name, alarm in aws_cloudwatch_metric_alarm.budget : name => alarm.arn }
}

output "query_definition_ids" {
  description = "Ids of the saved Logs Insights usage queries, by name."
  value       = { for name, query in aws_cloudwatch_query_definition.this : name => query.query_definition_id }
}

output "data_protection_enabled" {
  description = "Whether the invocation log group has a data protection policy masking the chosen data identifiers (data_protection; by default when content_policy is full)."
  value       = local.data_protection
}

output "data_protection_findings_log_group_name" {
  description = "Name of the log group receiving the data protection policy's audit findings, or null without one."
  value       = one(aws_cloudwatch_log_group.data_protection_findings[*].name)
}
