variable "region" {
  type        = string
  description = "Region of every account's resources and of the Bedrock calls."
  default     = "us-east-1"
}

variable "operations_account_role_arn" {
  type        = string
  description = "Role Terraform assumes in the operations account (e.g. OrganizationAccountAccessRole). Null: use the ambient credentials."
  default     = null
}

variable "customer_account_role_arns" {
  type = object({
    a = optional(string)
    b = optional(string)
  })
  description = "Roles Terraform assumes in the two customer accounts (a and b). Null: ambient credentials."
  default     = {}
}

variable "tenants" {
  type = map(object({
    customer_account = string # "a" or "b": which customer account hosts the tenant's invoker
    model_id         = string # a foundation model, e.g. amazon.nova-lite-v1:0
    # Route through the system profile <geography>.<model_id> (e.g. "us"): for
    # models the Region serves only through cross-Region inference.
    inference_profile_geography = optional(string)
    content_policy              = optional(string, "hash")
    concurrency                 = optional(number) # reserved concurrency; null: unreserved
    # An existing guardrail of the operations account every call must name (IAM-enforced).
    guardrail = optional(object({ arn = string, version = string }))
  }))
  description = "The tenants, by tenant id (lower case: it names IAM roles, which are case-insensitive)."

  validation {
    condition     = alltrue([for tenant in values(var.tenants) : contains(["a", "b"], tenant.customer_account)])
    error_message = "tenants[*].customer_account must be \"a\" or \"b\"."
  }
}

variable "external_ids" {
  type        = map(string)
  description = "sts:ExternalId per tenant id (16+ characters each; generate them, e.g. openssl rand -hex 16)."
  sensitive   = true
}

variable "create_inference_profiles" {
  type        = bool
  description = "Give every tenant an application inference profile, exclusive (its role reaches Bedrock only through it), so all usage and cost are attributable per tenant."
  default     = true
}

variable "dependencies_zip_path" {
  type        = string
  description = "The dependency layer zip built by `make layer`."
  default     = "../../build/layer/dependencies.zip"
}

variable "dead_letter_queues" {
  type        = bool
  description = "Give each tenant's function an encrypted SQS dead-letter queue for failed asynchronous invocations (customer-invoker create_dead_letter_queue)."
  default     = true
}

variable "log_retention_in_days" {
  type        = number
  description = "Retention of the tenants' log groups."
  default     = 365
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource."
  default     = { Project = "bedrock-tenants" }
}
