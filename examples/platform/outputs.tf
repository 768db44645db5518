output "handover" {
  description = "Per tenant of this shard, what the vendor hands to the customer for its customer-invoker (operations role, inference profile, Region, models, content policy, source identity) and where its external id is kept; never the external id itself. The application profile's ARN is known after apply."
  value = {
    for id, tenant in local.shard_tenants : id => {
      tenant_id             = id
      shard                 = var.shard
      operations_account_id = local.shard.account_id
      operations_role_arn   = module.operations_role[id].role_arn
      # The system profile in bedrock_region, which need not be the shard's Region (the
      # role grants the allowed profiles in every allowed Region); null: regional access.
      inference_profile_arn = (
        tenant.application_profile ? module.operations_role[id].inference_profile_arn :
        tenant.inference_scope == "regional" ? null :
        "arn:${split(":", module.operations_role[id].role_arn)[1]}:bedrock:${tenant.regions[0]}:${local.shard.account_id}:inference-profile/${tenant.inference_scope}.${tenant.models[0]}"
      )
      bedrock_region    = tenant.regions[0]
      model_id          = tenant.models[0]
      allowed_model_ids = tenant.models
      allowed_regions   = tenant.regions
      content_policy    = tenant.content_policy
      # STS wants 2-64 characters (AssumeRole API reference); a one-character id gets a workload suffix.
      source_identity = length(id) >= 2 ? id : "${id}.invoker"
      external_id = {
        delivery = "separately, over the channel agreed with the customer"
        source   = "terraform output -json external_ids (shard ${var.shard}), key ${id}"
        version  = tenant.external_id_version
      }
    }
  }
}

output "external_ids" {
  description = "The sts:ExternalId of every tenant of this shard (sensitive: read with terraform output -json external_ids, hand each to its customer separately)."
  value       = { for id in keys(local.shard_tenants) : id => local.external_ids[id] }
  sensitive   = true
}

output "shard" {
  description = "The shard planned: its operations account, Region, tenant role count and the max_roles_per_account it is held to."
  value = {
    name                  = var.shard
    account_id            = local.shard.account_id
    region                = local.shard.region
    tenant_roles          = length(local.shard_tenants)
    max_roles_per_account = var.max_roles_per_account
  }
}
