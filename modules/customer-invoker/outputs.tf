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
  description = "Name of the function's own log group (JSON format)."
  value       = aws_cloudwatch_log_group.function.name
}

output "function_log_group_arn" {
  description = "ARN of the function's own log group."
  value       = aws_cloudwatch_log_group.function.arn
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
