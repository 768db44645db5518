variable "tenant_id" {
  type        = string
  description = "Identifier of the tenant this role serves. Becomes part of the role name and the TenantId tag."

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_+=,.@-]*$", var.tenant_id)) && length(var.tenant_id) <= 48
    error_message = "tenant_id must be 1-48 characters of letters, digits and _+=,.@- (the IAM role-name character set), starting with a letter or digit."
  }
}

variable "role_name_prefix" {
  type        = string
  description = "Prefix of the role name; the name is the prefix followed by tenant_id."
  default     = "bedrock-tenant-"

  validation {
    condition     = can(regex("^[A-Za-z0-9_+=,.@-]*$", var.role_name_prefix)) && length(var.role_name_prefix) <= 32
    error_message = "role_name_prefix must be at most 32 characters of letters, digits and _+=,.@- (the IAM role-name character set)."
  }
}

variable "role_path" {
  type        = string
  description = "IAM path of the role."
  default     = "/bedrock-tenants/"

  validation {
    condition     = var.role_path == "/" || (can(regex("^/[!-~]+/$", var.role_path)) && length(var.role_path) <= 512)
    error_message = "role_path must be \"/\" or start and end with \"/\" and contain only printable ASCII without spaces (at most 512 characters)."
  }
}

variable "trusted_principal_arns" {
  type        = list(string)
  description = "IAM role ARNs in the tenant's customer account(s) allowed to assume this role (typically each invoker Lambda's execution role). Account roots and wildcards are refused."

  validation {
    condition     = length(var.trusted_principal_arns) >= 1
    error_message = "trusted_principal_arns must list at least one customer role ARN."
  }

  validation {
    condition = alltrue([
      for arn in var.trusted_principal_arns :
      can(regex("^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/([!-~]+/)?[A-Za-z0-9_+=,.@-]{1,64}$", arn))
    ])
    error_message = "trusted_principal_arns must contain only IAM role ARNs (arn:<partition>:iam::<12-digit account>:role/<name>); account roots, users and wildcards are not allowed."
  }

  validation {
    condition     = length(distinct(var.trusted_principal_arns)) == length(var.trusted_principal_arns)
    error_message = "trusted_principal_arns must not contain duplicates."
  }
}

variable "external_id" {
  type        = string
  description = "The sts:ExternalId the tenant's workloads must present (confused-deputy protection). Share it with the tenant's customer-invoker deployment only."
  sensitive   = true

  validation {
    condition     = length(var.external_id) >= 16 && length(var.external_id) <= 1224 && can(regex("^[A-Za-z0-9_+=,.@:/-]+$", var.external_id))
    error_message = "external_id must be 16-1224 characters of letters, digits and _+=,.@:/- (IAM allows 2 characters, but a short external id is guessable)."
  }
}

variable "allowed_model_ids" {
  type        = list(string)
  description = "Bedrock foundation-model ids the tenant may invoke, e.g. anthropic.claude-3-5-haiku-20241022-v1:0."

  validation {
    condition     = length(var.allowed_model_ids) >= 1
    error_message = "allowed_model_ids must list at least one model id."
  }

  validation {
    condition     = alltrue([for id in var.allowed_model_ids : can(regex("^[a-z0-9-]+\\.[A-Za-z0-9._:-]+$", id))])
    error_message = "allowed_model_ids must contain foundation-model ids of the form <provider>.<model> (e.g. amazon.nova-lite-v1:0), without wildcards or ARNs."
  }
}

variable "allowed_regions" {
  type        = list(string)
  description = "Regions in which the tenant may invoke the models. With cross-region inference profiles, list every region the profiles route to."

  validation {
    condition     = length(var.allowed_regions) >= 1 && alltrue([for r in var.allowed_regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", r))])
    error_message = "allowed_regions must list at least one region, each like us-east-1 or eu-central-2."
  }
}

variable "inference_profile_geographies" {
  type        = list(string)
  description = "Geography prefixes of system-defined cross-region inference profiles to allow (e.g. [\"us\"] allows us.<model-id>; \"global\" also allows the region-less foundation-model ARNs global profiles route to). Empty: foundation models only."
  default     = []

  validation {
    condition     = alltrue([for g in var.inference_profile_geographies : can(regex("^[a-z]{2,6}(-[a-z]{2,4})?$", g))])
    error_message = "inference_profile_geographies must contain geography prefixes such as us, eu, apac, us-gov or global."
  }
}

variable "application_inference_profile" {
  type = object({
    model_id    = string
    description = optional(string, "Per-tenant application inference profile")
  })
  description = "When set, create a per-tenant application inference profile copied from this foundation model (in the provider's region) and tagged with the tenant, so usage and cost are attributable per tenant. model_id must be one of allowed_model_ids."
  default     = null
}

variable "allow_source_identity" {
  type        = bool
  description = "Also allow sts:SetSourceIdentity, so the operations account's CloudTrail shows which tenant workload called."
  default     = false
}

variable "allow_session_tags" {
  type        = bool
  description = "Also allow sts:TagSession, so callers can pass session tags (e.g. for attribute-based access control)."
  default     = false
}

variable "principal_org_id" {
  type        = string
  description = "When set, the caller must also belong to this AWS Organization (aws:PrincipalOrgID)."
  default     = null

  validation {
    condition     = var.principal_org_id == null || can(regex("^o-[a-z0-9]{10,32}$", var.principal_org_id))
    error_message = "principal_org_id must be an AWS Organizations id like o-abcd123456."
  }
}

variable "max_session_duration" {
  type        = number
  description = "Maximum session duration of the role, in seconds (1 to 12 hours)."
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200 && floor(var.max_session_duration) == var.max_session_duration
    error_message = "max_session_duration must be a whole number of seconds from 3600 (1 hour) to 43200 (12 hours)."
  }
}

variable "permissions_boundary_arn" {
  type        = string
  description = "ARN of a managed policy to set as the role's permissions boundary."
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws(-cn|-us-gov)?:iam::([0-9]{12}|aws):policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM managed policy ARN (arn:<partition>:iam::<account>:policy/<name>)."
  }
}

variable "trust_policy_max_characters" {
  type        = number
  description = "The account's IAM quota for role trust policy length (default 2,048; can be raised to 4,096). A trust policy above it fails at plan."
  default     = 2048

  validation {
    condition     = var.trust_policy_max_characters >= 2048 && var.trust_policy_max_characters <= 4096
    error_message = "trust_policy_max_characters must be between 2048 (the default IAM quota) and 4096 (the highest IAM allows)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every taggable resource. TenantId = tenant_id is always added."
  default     = {}
}
