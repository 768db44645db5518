# One tenant: its role in the operations account and its invoker in its customer
# account. The role trusts the invoker's execution role by ARN (an aws:PrincipalArn
# condition), and the invoker assumes the role by ARN; both ARNs are built from
# names and known at plan, so neither side waits for the other. Composing them
# here, once per tenant, keeps the references static so the root can use for_each
# over tenants.

locals {
  # Without an application profile, a geography means the system profile itself.
  system_profile_id = var.inference_profile_geography == null ? null : "${var.inference_profile_geography}.${var.model_id}"
}

module "operations_role" {
  source    = "../../../modules/operations-role"
  providers = { aws = aws.operations }

  tenant_id              = var.tenant_id
  trusted_principal_arns = [module.invoker.execution_role_arn]
  external_id            = var.external_id
  allowed_model_ids      = [var.model_id]
  allowed_regions        = [var.region]
  allow_source_identity  = true

  # An exclusive application profile: every call is attributed to the tenant.
  application_inference_profile = var.create_inference_profile ? {
    model_id  = var.model_id
    geography = var.inference_profile_geography
  } : null
  inference_profile_geographies = var.create_inference_profile || var.inference_profile_geography == null ? [] : [var.inference_profile_geography]
  guardrail                     = var.guardrail
  tags                          = var.tags
}

module "invoker" {
  source    = "../../../modules/customer-invoker"
  providers = { aws = aws.customer }

  tenant_id       = var.tenant_id
  external_id     = var.external_id
  source_identity = var.tenant_id
  model_id        = var.model_id
  bedrock_region  = var.region
  # The role's ARN is known at plan; the profile's after the operations side applies.
  operations_role_arn = module.operations_role.role_arn
  inference_profile_arn = (
    var.create_inference_profile ? module.operations_role.inference_profile_arn :
    local.system_profile_id == null ? null : module.operations_role.system_inference_profile_arns[local.system_profile_id]
  )
  content_policy                 = var.content_policy
  guardrail_arn                  = module.operations_role.guardrail_arn
  guardrail_version              = module.operations_role.guardrail_version
  reserved_concurrent_executions = var.concurrency
  dependencies_zip_path          = var.dependencies_zip_path
  log_retention_in_days          = var.log_retention_in_days
  create_dead_letter_queue       = var.dead_letter_queue
  tags                           = var.tags
}
