output "tenants" {
  description = "Per tenant: customer account, operations role, inference profile, function, execution role, log groups, KMS key, dashboard, dead-letter queue."
  value = merge(
    { for id, tenant in module.tenants_in_account_a : id => merge(tenant.summary, { customer_account = "a" }) },
    { for id, tenant in module.tenants_in_account_b : id => merge(tenant.summary, { customer_account = "b" }) },
  )
}
