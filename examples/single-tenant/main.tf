# The minimum: one tenant, its role in the operations account and its invoker in
# its customer account, with the modules' defaults.

provider "aws" {
  alias  = "operations"
  region = var.region

  dynamic "assume_role" {
    for_each = var.operations_account_role_arn == null ? [] : [var.operations_account_role_arn]
    content {
      role_arn = assume_role.value
    }
  }
}

provider "aws" {
  alias  = "customer"
  region = var.region

  dynamic "assume_role" {
    for_each = var.customer_account_role_arn == null ? [] : [var.customer_account_role_arn]
    content {
      role_arn = assume_role.value
    }
  }
}

module "operations_role" {
  source    = "../../modules/operations-role"
  providers = { aws = aws.operations }

  tenant_id              = var.tenant_id
  trusted_principal_arns = [module.invoker.execution_role_arn]
  external_id            = var.external_id
  allowed_model_ids      = [var.model_id]
  allowed_regions        = [var.region]
}

module "invoker" {
  source    = "../../modules/customer-invoker"
  providers = { aws = aws.customer }

  tenant_id             = var.tenant_id
  operations_role_arn   = module.operations_role.role_arn
  external_id           = var.external_id
  model_id              = var.model_id
  bedrock_region        = var.region
  dependencies_zip_path = var.dependencies_zip_path
}
