output "role_arn" {
  description = "ARN of the tenant's operations role: the customer-invoker module's operations_role_arn. Built from the account, path and name, so it is known at plan."
  value       = local.role_arn
}

output "role_name" {
  description = "Name of the tenant's operations role."
  value       = aws_iam_role.this.name
}

output "inference_profile_arn" {
  description = "ARN of the tenant's application inference profile, or null when none is created. Invoke through it to attribute usage and cost to the tenant (the customer-invoker module's inference_profile_arn)."
  value       = local.application_profile_arn
}

output "invocable_resource_arns" {
  description = "The ARNs the role may name as the model of a call: foundation models in the allowed Regions, allowed system inference profiles, and the application inference profile (known after apply). With an exclusive application profile, only that profile."
  value       = concat(sort(local.direct_model_arns), local.system_profile_arns, compact([local.application_profile_arn]))
}

output "permissions_policy_json" {
  description = "The role's Bedrock policy for foundation models and system inference profiles (null with an exclusive application profile, whose own policy names the profile's ARN)."
  value       = local.bedrock_policy_json
}

output "trust_policy_json" {
  description = "The role's trust policy document (contains the external id)."
  value       = local.trust_policy_json
  sensitive   = true
}

output "system_inference_profile_arns" {
  description = "The allowed system inference profiles in the provider's Region, by profile id (e.g. us.amazon.nova-lite-v1:0): what a customer-invoker passes as inference_profile_arn to route through one."
  value = {
    for p in local.system_profiles : element(split("/", p.arn), 1) => p.arn
    if split(":", p.arn)[3] == local.region
  }
}

output "guardrail_arn" {
  description = "ARN (without version) of the guardrail every call of the tenant must name, or null: the customer-invoker module's guardrail_arn. Known after apply when the module creates the guardrail."
  value       = local.guardrail_arn
}

output "guardrail_version" {
  description = "The guardrail version the role's IAM condition requires, or null: the customer-invoker module's guardrail_version."
  value       = local.guardrail_version
}

output "cost_allocation_tags" {
  description = "The role's cost allocation tags (TenantId, CostCenter): activate these keys in Billing > Cost allocation tags to see the tenant's Bedrock cost in Cost Explorer and CUR 2.0."
  value       = local.cost_allocation_tags
}

output "budget_name" {
  description = "Name of the tenant's AWS Budgets budget, or null."
  value       = one(aws_budgets_budget.tenant[*].name)
}
