output "summary" {
  description = "What a platform engineer needs next about this tenant."
  value = {
    operations_role_arn       = module.operations_role.role_arn
    inference_profile_arn     = module.operations_role.inference_profile_arn
    function_name             = module.invoker.function_name
    function_arn              = module.invoker.function_arn
    execution_role_arn        = module.invoker.execution_role_arn
    invocation_log_group_name = module.invoker.invocation_log_group_name
    function_log_group_name   = module.invoker.function_log_group_name
    kms_key_arn               = module.invoker.kms_key_arn
    dashboard_name            = module.invoker.dashboard_name
    dead_letter_queue_arn     = module.invoker.dead_letter_queue_arn
  }
}
