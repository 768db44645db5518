# One enterprise tenant with workloads in several of its own AWS accounts: one
# role in the operations account trusted from each account's invoker, with one
# external id. Each account keeps its own records in its own log group.

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
  alias  = "production"
  region = var.region

  dynamic "assume_role" {
    for_each = var.customer_account_role_arns.production == null ? [] : [var.customer_account_role_arns.production]
    content {
      role_arn = assume_role.value
    }
  }
}

provider "aws" {
  alias  = "analytics"
  region = var.region

  dynamic "assume_role" {
    for_each = var.customer_account_role_arns.analytics == null ? [] : [var.customer_account_role_arns.analytics]
    content {
      role_arn = assume_role.value
    }
  }
}

provider "aws" {
  alias  = "staging"
  region = var.region

  dynamic "assume_role" {
    for_each = var.customer_account_role_arns.staging == null ? [] : [var.customer_account_role_arns.staging]
    content {
      role_arn = assume_role.value
    }
  }
}

module "operations_role" {
  source    = "../../modules/operations-role"
  providers = { aws = aws.operations }

  tenant_id = var.tenant_id
  # Known at plan (built from names), so this role can be created before them.
  trusted_principal_arns = [
    module.invoker_production.execution_role_arn,
    module.invoker_analytics.execution_role_arn,
    module.invoker_staging.execution_role_arn,
  ]
  external_id           = var.external_id
  allowed_model_ids     = [var.model_id]
  allowed_regions       = [var.region]
  allow_source_identity = true
  # Exclusive (the default): every account's calls go through the one profile, so
  # the tenant's usage and cost are attributed together.
  application_inference_profile = {
    model_id  = var.model_id
    geography = var.inference_profile_geography
  }
}

module "invoker_production" {
  source    = "../../modules/customer-invoker"
  providers = { aws = aws.production }

  tenant_id             = var.tenant_id
  function_name         = "${var.tenant_id}-bedrock-production"
  operations_role_arn   = module.operations_role.role_arn
  external_id           = var.external_id
  source_identity       = "${var.tenant_id}.production"
  model_id              = var.model_id
  bedrock_region        = var.region
  inference_profile_arn = module.operations_role.inference_profile_arn
  dependencies_zip_path = var.dependencies_zip_path
}

module "invoker_analytics" {
  source    = "../../modules/customer-invoker"
  providers = { aws = aws.analytics }

  tenant_id             = var.tenant_id
  function_name         = "${var.tenant_id}-bedrock-analytics"
  operations_role_arn   = module.operations_role.role_arn
  external_id           = var.external_id
  source_identity       = "${var.tenant_id}.analytics"
  model_id              = var.model_id
  bedrock_region        = var.region
  inference_profile_arn = module.operations_role.inference_profile_arn
  content_policy        = "none"
  dependencies_zip_path = var.dependencies_zip_path
}

module "invoker_staging" {
  source    = "../../modules/customer-invoker"
  providers = { aws = aws.staging }

  tenant_id             = var.tenant_id
  function_name         = "${var.tenant_id}-bedrock-staging"
  operations_role_arn   = module.operations_role.role_arn
  external_id           = var.external_id
  source_identity       = "${var.tenant_id}.staging"
  model_id              = var.model_id
  bedrock_region        = var.region
  inference_profile_arn = module.operations_role.inference_profile_arn
  # Staging: short retention and no dead-letter queue keeping failed prompts.
  log_retention_in_days    = 30
  create_dead_letter_queue = false
  dependencies_zip_path    = var.dependencies_zip_path
}
