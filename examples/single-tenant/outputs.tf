output "operations_role_arn" {
  description = "The tenant's role in the operations account."
  value       = module.operations_role.role_arn
}

output "function_name" {
  description = "The tenant's invoker function in the customer account."
  value       = module.invoker.function_name
}

output "invocation_log_group_name" {
  description = "Where the tenant's invocation records land (customer account)."
  value       = module.invoker.invocation_log_group_name
}

output "dashboard_name" {
  description = "The tenant's CloudWatch dashboard (customer account)."
  value       = module.invoker.dashboard_name
}
