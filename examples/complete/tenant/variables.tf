variable "tenant_id" {
  type        = string
  description = "The tenant's id."
}

variable "external_id" {
  type        = string
  description = "The tenant's sts:ExternalId."
  sensitive   = true
}

variable "model_id" {
  type        = string
  description = "The foundation model the tenant may invoke."
}

variable "inference_profile_geography" {
  type        = string
  description = "When set, route through the system profile <geography>.<model_id> (copied into the application profile when one is created)."
}

variable "region" {
  type        = string
  description = "Region of the Bedrock calls."
}

variable "content_policy" {
  type        = string
  description = "What the tenant's records keep of prompts and responses."
}

variable "guardrail" {
  type        = object({ arn = string, version = string })
  description = "An existing guardrail of the operations account that every call of the tenant must name, or null."
  default     = null
}

variable "concurrency" {
  type        = number
  description = "Reserved concurrency of the tenant's invoker; null: unreserved."
}

variable "create_inference_profile" {
  type        = bool
  description = "Give the tenant an application inference profile."
}

variable "dependencies_zip_path" {
  type        = string
  description = "The dependency layer zip built by `make layer`."
}

variable "dead_letter_queue" {
  type        = bool
  description = "Give the function its encrypted SQS dead-letter queue (customer-invoker create_dead_letter_queue)."
  default     = true
}

variable "log_retention_in_days" {
  type        = number
  description = "Retention of the tenant's log groups."
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource."
}
