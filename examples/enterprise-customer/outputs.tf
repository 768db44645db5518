output "operations_role_arn" {
  description = "The tenant's single role in the operations account."
  value       = module.operations_role.role_arn
}

output "inference_profile_arn" {
  description = "The tenant's application inference profile (usage and cost attribution)."
  value       = module.operations_role.inference_profile_arn
}

output "invokers" {
  description = "Per account: function, execution role and invocation log group."
  value = {
    for account, invoker in {
      production = module.invoker_production
      analytics  = module.invoker_analytics
      staging    = module.invoker_staging
      } : account => {
      function_name             = invoker.function_name
      execution_role_arn        = invoker.execution_role_arn
      invocation_log_group_name = invoker.invocation_log_group_name
    }
  }
}
