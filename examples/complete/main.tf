# One operations account and two customer accounts. Every tenant gets a role in
# the operations account (operations-role) and an invoker with private logging in
# its own customer account (customer-invoker), composed per tenant in ./tenant;
# each role trusts only its tenant's execution role. A module instance can use
# one provider configuration, so there is one for_each per customer account.

provider "aws" {
  alias  = "operations"
  region = var.region

  dynamic "assume_role" {
    for_each = var.operations_account_role_arn == null ? [] : [var.operations_account_role_arn]
    content {
      role_arn     = assume_role.value
      session_name = "terraform-bedrock-tenants"
    }
  }
}

provider "aws" {
  alias  = "customer_a"
  region = var.region

  dynamic "assume_role" {
    for_each = var.customer_account_role_arns.a == null ? [] : [var.customer_account_role_arns.a]
    content {
      role_arn     = assume_role.value
      session_name = "terraform-bedrock-tenants"
    }
  }
}

provider "aws" {
  alias  = "customer_b"
  region = var.region

  dynamic "assume_role" {
    for_each = var.customer_account_role_arns.b == null ? [] : [var.customer_account_role_arns.b]
    content {
      role_arn     = assume_role.value
      session_name = "terraform-bedrock-tenants"
    }
  }
}

locals {
  tenants_in = {
    for account in ["a", "b"] : account => {
      for id, tenant in var.tenants : id => tenant if tenant.customer_account == account
    }
  }
}

module "tenants_in_account_a" {
  source   = "./tenant"
  for_each = local.tenants_in.a
  providers = {
    aws.operations = aws.operations
    aws.customer   = aws.customer_a
  }

  tenant_id                   = each.key
  external_id                 = var.external_ids[each.key]
  model_id                    = each.value.model_id
  inference_profile_geography = each.value.inference_profile_geography
  region                      = var.region
  content_policy              = each.value.content_policy
  concurrency                 = each.value.concurrency
  guardrail                   = each.value.guardrail
  create_inference_profile    = var.create_inference_profiles
  dependencies_zip_path       = var.dependencies_zip_path
  log_retention_in_days       = var.log_retention_in_days
  dead_letter_queue           = var.dead_letter_queues
  tags                        = var.tags
}

module "tenants_in_account_b" {
  source   = "./tenant"
  for_each = local.tenants_in.b
  providers = {
    aws.operations = aws.operations
    aws.customer   = aws.customer_b
  }

  tenant_id                   = each.key
  external_id                 = var.external_ids[each.key]
  model_id                    = each.value.model_id
  inference_profile_geography = each.value.inference_profile_geography
  region                      = var.region
  content_policy              = each.value.content_policy
  concurrency                 = each.value.concurrency
  guardrail                   = each.value.guardrail
  create_inference_profile    = var.create_inference_profiles
  dependencies_zip_path       = var.dependencies_zip_path
  log_retention_in_days       = var.log_retention_in_days
  dead_letter_queue           = var.dead_letter_queues
  tags                        = var.tags
}
