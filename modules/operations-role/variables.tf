variable "tenant_id" {
  type        = string
  description = "Identifier of the tenant this role serves: 1-39 lower-case letters and digits, words joined by single - or _. Names the role and the application inference profile and becomes the TenantId tag. Lower case because IAM names are case-insensitive (tenants Acme and acme would collide); 39 characters so every name derived from it fits its service's limit (bedrock-tenant-<tenant_id>-execution is the customer-invoker's longest, IAM's 64)."

  validation {
    condition     = length(var.tenant_id) <= 39 && can(regex("^[a-z0-9]+([_-][a-z0-9]+)*$", var.tenant_id))
    error_message = "tenant_id must be 1-39 lower-case letters and digits, words joined by single - or _ (e.g. acme or acme-eu): IAM names are case-insensitive and Bedrock profile names refuse . + = , @ and doubled separators."
  }
}

variable "role_name_prefix" {
  type        = string
  description = "Prefix of the role name; the name is the prefix followed by tenant_id (at most 64 characters in all)."
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
    # IAM CreateRole: a path is / or /.../ of printable ASCII, at most 512 characters.
    condition     = var.role_path == "/" || (can(regex("^/[!-~]+/$", var.role_path)) && length(var.role_path) <= 512)
    error_message = "role_path must be \"/\" or start and end with \"/\" and contain only printable ASCII without spaces (at most 512 characters)."
  }
}

variable "trusted_principal_arns" {
  type        = list(string)
  description = "IAM role ARNs in the tenant's customer account(s) allowed to assume this role (typically each invoker Lambda's execution role), path included. The trust policy names their accounts as principals and these exact ARNs in an ArnEquals aws:PrincipalArn condition, so a role may be created after this one and recreated later. Account roots, users, other partitions and wildcards (* and ?, which ArnEquals would match as patterns) are refused."

  validation {
    condition     = length(var.trusted_principal_arns) >= 1
    error_message = "trusted_principal_arns must list at least one customer role ARN."
  }

  validation {
    condition     = alltrue([for arn in var.trusted_principal_arns : !can(regex("[*?]", arn))])
    error_message = "trusted_principal_arns must not contain wildcards (* or ?) anywhere, path included: ArnEquals on aws:PrincipalArn matches them as patterns."
  }

  validation {
    condition = alltrue([
      for arn in var.trusted_principal_arns :
      can(regex("^arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:role/([!-~]+/)?[A-Za-z0-9_+=,.@-]{1,64}$", arn))
    ])
    error_message = "trusted_principal_arns must contain only IAM role ARNs (arn:<partition>:iam::<12-digit account>:role/[<path>/]<name>); account roots and users are not allowed."
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
  description = "Bedrock foundation-model ids the tenant may invoke, e.g. amazon.nova-lite-v1:0 (not inference profile ids such as us.amazon.nova-lite-v1:0: allow those through inference_profile_geographies)."

  validation {
    condition     = length(var.allowed_model_ids) >= 1
    error_message = "allowed_model_ids must list at least one model id."
  }

  validation {
    # The foundation-model id pattern of the Bedrock API (InferenceProfileModel.modelArn).
    condition     = alltrue([for id in var.allowed_model_ids : can(regex("^[a-z0-9-]{1,63}[.]([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}(:[a-z0-9-]{1,63}){0,2}$", id))])
    error_message = "allowed_model_ids must contain foundation-model ids of the form <provider>.<model> (e.g. amazon.nova-lite-v1:0), without wildcards, ARNs or upper case."
  }

  validation {
    condition     = alltrue([for id in var.allowed_model_ids : !contains(["us", "us-gov", "eu", "apac", "jp", "au", "ca", "global"], split(".", id)[0])])
    error_message = "allowed_model_ids must contain foundation-model ids, not inference profile ids (us.<model>, global.<model>, ...): no foundation model is named so. List the model and allow the profile's geography in inference_profile_geographies."
  }

  validation {
    condition     = length(distinct(var.allowed_model_ids)) == length(var.allowed_model_ids)
    error_message = "allowed_model_ids must not contain duplicates."
  }
}

variable "allowed_regions" {
  type        = list(string)
  description = "Regions in which the tenant may call Bedrock: the models directly (on demand), and the allowed system inference profiles from there as source Regions. The Regions such profiles route to need not be listed (see inference_profile_geographies). Each must be a Region of the provider's partition."

  validation {
    condition     = length(var.allowed_regions) >= 1 && alltrue([for r in var.allowed_regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", r))])
    error_message = "allowed_regions must list at least one region, each like us-east-1 or eu-central-2."
  }

  validation {
    condition     = length(distinct(var.allowed_regions)) == length(var.allowed_regions)
    error_message = "allowed_regions must not contain duplicates."
  }
}

variable "inference_profile_geographies" {
  type        = list(string)
  description = "Geographies of system-defined cross-Region inference profiles to allow from each allowed Region (e.g. [\"us\"] allows us.<model> for each allowed model). The role may then invoke the model in whichever Region the profile routes the call to, but only through the profile (bedrock:InferenceProfileArn); \"global\" also allows the Region-less model ARN that global profiles use. One of us, eu, apac, jp, au, global (aws) or us-gov (aws-us-gov). Empty: foundation models only."
  default     = []

  validation {
    condition     = alltrue([for g in var.inference_profile_geographies : contains(["us", "us-gov", "eu", "apac", "jp", "au", "global"], g)])
    error_message = "inference_profile_geographies must contain geographies of Bedrock system inference profiles: us, eu, apac, jp, au, global (aws partition) or us-gov (aws-us-gov)."
  }

  validation {
    condition     = length(distinct(var.inference_profile_geographies)) == length(var.inference_profile_geographies)
    error_message = "inference_profile_geographies must not contain duplicates."
  }
}

variable "application_inference_profile" {
  type = object({
    model_id    = string
    geography   = optional(string)
    name        = optional(string)
    description = optional(string, "Per-tenant application inference profile")
    exclusive   = optional(bool, true)
  })
  description = <<-EOT
    When set, create a per-tenant application inference profile in the provider's Region, tagged with the tenant, so usage and cost are attributable per tenant.
    - model_id: its foundation model, one of allowed_model_ids.
    - geography: copy from the system profile <geography>.<model_id> (e.g. "us") instead of the foundation model, for models that the Region serves only through cross-Region inference; the role may then invoke the model in every Region the profile routes to, through the profile only.
    - name: default <role_name_prefix><tenant_id>-profile (1-64 letters and digits, each optionally followed by one space, _ or -).
    - description: 1-200 characters of letters, digits and :. each optionally followed by one space, _ or -.
    - exclusive (default true): the role may reach Bedrock only through this profile (allowed_model_ids = [model_id], one allowed Region, no geographies), so no call escapes the tenant's attribution. false also keeps the direct and system-profile access the other inputs allow.
  EOT
  default     = null

  validation {
    condition = var.application_inference_profile == null ? true : (
      can(regex("^[a-z0-9-]{1,63}[.]([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}(:[a-z0-9-]{1,63}){0,2}$", var.application_inference_profile.model_id))
      && !contains(["us", "us-gov", "eu", "apac", "jp", "au", "ca", "global"], split(".", var.application_inference_profile.model_id)[0])
    )
    error_message = "application_inference_profile.model_id must be a foundation-model id (e.g. amazon.nova-lite-v1:0), not an inference profile id: to copy from us.<model>, set geography = \"us\"."
  }

  validation {
    condition     = try(var.application_inference_profile.geography, null) == null ? true : contains(["us", "us-gov", "eu", "apac", "jp", "au", "global"], var.application_inference_profile.geography)
    error_message = "application_inference_profile.geography must be one of us, eu, apac, jp, au, global (aws) or us-gov (aws-us-gov)."
  }

  validation {
    # Bedrock CreateInferenceProfile: inferenceProfileName.
    condition     = try(var.application_inference_profile.name, null) == null ? true : length(var.application_inference_profile.name) <= 64 && can(regex("^([0-9a-zA-Z][ _-]?)+$", var.application_inference_profile.name))
    error_message = "application_inference_profile.name must be 1-64 characters of letters and digits, each optionally followed by one space, _ or - (Bedrock refuses . + = , @ and doubled separators)."
  }

  validation {
    # Bedrock CreateInferenceProfile: description is 1-200 characters of ([0-9a-zA-Z:.][ _-]?)+.
    condition     = var.application_inference_profile == null ? true : length(var.application_inference_profile.description) <= 200 && can(regex("^([0-9a-zA-Z:.][ _-]?)+$", var.application_inference_profile.description))
    error_message = "application_inference_profile.description must be 1-200 characters of letters, digits, : and ., each optionally followed by one space, _ or - (Bedrock's pattern; no commas, quotes or doubled spaces)."
  }
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
  description = "Maximum session duration of the role, in seconds (1 to 12 hours). Sessions assumed by role chaining (a Lambda execution role assuming this role always is) last at most 1 hour whatever this allows (IAM user guide, \"Role chaining\"), so the customer-invoker's runtime asks for at most 3,600 seconds."
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
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}|aws):policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM managed policy ARN (arn:<partition>:iam::<account>:policy/<name>)."
  }
}

variable "trust_policy_max_characters" {
  type        = number
  description = "The account's IAM quota for role trust policy length (default 2,048; can be raised to 4,096). A trust policy above it fails at plan. At the default, roles with 66-character ARNs fit 17 to a policy when each is in its own account, 25 when they share one (see the README)."
  default     = 2048

  validation {
    condition     = var.trust_policy_max_characters >= 2048 && var.trust_policy_max_characters <= 4096
    error_message = "trust_policy_max_characters must be between 2048 (the default IAM quota) and 4096 (the highest IAM allows)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every taggable resource. TenantId = tenant_id is always added. Keys may not start with aws: (reserved by AWS)."
  default     = {}

  validation {
    # Tagging AWS resources: keys 1-128 and values 0-256 characters; the aws: prefix is reserved.
    condition = alltrue([
      for key, value in var.tags :
      length(key) >= 1 && length(key) <= 128 && length(value) <= 256 && !startswith(lower(key), "aws:")
    ])
    error_message = "tags: keys must be 1-128 characters and not start with aws: (reserved for AWS), values at most 256 characters."
  }
}
