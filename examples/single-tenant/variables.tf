variable "region" {
  type        = string
  description = "Region of both accounts' resources and of the Bedrock calls."
  default     = "us-east-1"
}

variable "operations_account_role_arn" {
  type        = string
  description = "Role Terraform assumes in the operations account. Null: ambient credentials."
  default     = null
}

variable "customer_account_role_arn" {
  type        = string
  description = "Role Terraform assumes in the customer account. Null: ambient credentials."
  default     = null
}

variable "tenant_id" {
  type        = string
  description = "The tenant's id (lower case)."
  default     = "acme"
}

variable "external_id" {
  type        = string
  description = "The tenant's sts:ExternalId (16+ characters; e.g. openssl rand -hex 16)."
  sensitive   = true
}

variable "model_id" {
  type        = string
  description = "The foundation model the tenant may invoke, directly in the region (Amazon Nova Lite is served on demand in us-east-1)."
  default     = "amazon.nova-lite-v1:0"
}

variable "dependencies_zip_path" {
  type        = string
  description = "The dependency layer zip built by `make layer`."
  default     = "../../build/layer/dependencies.zip"
}
