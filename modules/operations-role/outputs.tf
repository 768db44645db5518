output "role_arn" {
  description = "ARN of the tenant's operations role: the customer-invoker module's operations_role_arn."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the tenant's operations role."
  value       = aws_iam_role.this.name
}

output "inference_profile_arn" {
  description = "ARN of the tenant's application inference profile, or null when none is created. Invoke through it to attribute usage and cost to the tenant."
  value       = one(aws_bedrock_inference_profile.this[*].arn)
}

output "invocable_resource_arns" {
  description = "Every Bedrock resource ARN the role may invoke (foundation models, inference profiles)."
  value       = local.invocable_arns
}

output "trust_policy_json" {
  description = "The role's trust policy document (contains the external id)."
  value       = data.aws_iam_policy_document.trust.json
  sensitive   = true
}
