# One tenant: its role in the operations account and its invoker in its customer
# account. The two modules reference each other's outputs (the role trusts the
# invoker's execution role; the invoker assumes the role), which Terraform orders
# resource by resource; composing them here, once per tenant, keeps those
# references static so the root can use for_each over tenants.

module "operations_role" {
  source    = "../../../modules/operations-role"
  providers = { aws = aws.operations }

  tenant_id              = var.tenant_id
  trusted_principal_arns = [module.invoker.execution_role_arn]
  external_id            = var.external_id
  allowed_model_ids      = [var.model_id]
  allowed_regions        = [var.region]
  allow_source_identity  = true

  application_inference_profile = var.create_inference_profile ? { model_id = var.model_id } : null
  tags                          = var.tags
}

module "invoker" {
  source    = "../../../modules/customer-invoker"
  providers = { aws = aws.customer }

  tenant_id                      = var.tenant_id
  operations_role_arn            = module.operations_role.role_arn
  external_id                    = var.external_id
  source_identity                = var.tenant_id
  model_id                       = var.model_id
  bedrock_region                 = var.region
  inference_profile_arn          = module.operations_role.inference_profile_arn
  content_policy                 = var.content_policy
  reserved_concurrent_executions = var.concurrency
  dependencies_zip_path          = var.dependencies_zip_path
  log_retention_in_days          = var.log_retention_in_days
  tags                           = var.tags
}
