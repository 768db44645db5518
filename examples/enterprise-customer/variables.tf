variable "region" {
  type        = string
  description = "Region of every account's resources and of the Bedrock calls."
  default     = "us-east-1"
}

variable "operations_account_role_arn" {
  type        = string
  description = "Role Terraform assumes in the operations account. Null: ambient credentials."
  default     = null
}

variable "customer_account_role_arns" {
  type = object({
    production = optional(string)
    analytics  = optional(string)
    staging    = optional(string)
  })
  description = "Roles Terraform assumes in the tenant's three accounts. Null: ambient credentials."
  default     = {}
}

variable "tenant_id" {
  type        = string
  description = "The enterprise tenant's id."
  default     = "globex"
}

variable "external_id" {
  type        = string
  description = "The tenant's sts:ExternalId, shared by its accounts (16+ characters)."
  sensitive   = true
}

variable "model_id" {
  type        = string
  description = "The foundation model of the tenant's application inference profile (Amazon Nova Lite is served on demand in us-east-1)."
  default     = "amazon.nova-lite-v1:0"
}

variable "inference_profile_geography" {
  type        = string
  description = "When set (e.g. \"us\"), the profile copies the system profile <geography>.<model_id> and routes across that geography's Regions."
  default     = null
}

variable "dependencies_zip_path" {
  type        = string
  description = "The dependency layer zip built by `make layer`."
  default     = "../../build/layer/dependencies.zip"
}
