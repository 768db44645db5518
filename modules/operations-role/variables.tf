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
  description = "The sts:ExternalId the tenant's workloads must present (confused-deputy protection): 16-1224 characters of letters, digits and _+=,.@:/-. Share it with the tenant's customer-invoker deployment only."
  sensitive   = true
  # Checked by a precondition, not a validation block: Terraform (1.11) prints the value of a
  # sensitive variable that fails its validation ("var.external_id is ..."), a precondition does not.
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
  description = "Also allow sts:TagSession, restricted to this tenant's cost allocation tags with this tenant's values (TenantId = tenant_id, and CostCenter = cost_center when set; aws:RequestTag and aws:TagKeys conditions), so a session can carry them into the operations account's billing data but never claim another tenant's."
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

variable "operations_account" {
  type = object({
    account_id = string
    partition  = string
    region     = string
  })
  description = "The provider's account id, partition and Region, read once by a root that composes many tenants (data.aws_caller_identity, data.aws_partition and data.aws_region at the root; see examples/platform). They must be the provider's: they name the role's ARN and every ARN in its policies. Null (the default): this module reads them itself, one STS GetCallerIdentity call per instance."
  default     = null

  validation {
    # The same rules as the provider's: a 12-digit account id, the three partitions this
    # module supports, and a Region name of that partition (as local.region_patterns).
    condition = var.operations_account == null || try(
      can(regex("^[0-9]{12}$", var.operations_account.account_id)) &&
      can(regex({ aws = "^(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-[0-9]+$", aws-cn = "^cn-[a-z]+-[0-9]+$", aws-us-gov = "^us-gov-[a-z]+-[0-9]+$" }[var.operations_account.partition], var.operations_account.region)),
      false
    )
    error_message = "operations_account must hold the provider's 12-digit account_id, its partition (aws, aws-cn or aws-us-gov) and a Region of that partition (e.g. us-east-1)."
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

variable "guardrail" {
  type = object({
    arn               = optional(string)
    version           = optional(string)
    previous_versions = optional(list(string), [])
    profile = optional(object({
      id                  = string
      destination_regions = list(string)
    }))
    create = optional(object({
      tier                   = optional(string)
      blocked_input_message  = optional(string, "Sorry, this request is not allowed.")
      blocked_output_message = optional(string, "Sorry, this answer is not allowed.")
      denied_topics = optional(list(object({
        name       = string
        definition = string
        examples   = optional(list(string), [])
      })), [])
      content_filters = optional(map(string), {})
      denied_words    = optional(list(string), [])
      pii_entities    = optional(map(string), {})
    }))
  })
  description = <<-EOT
    When set, the tenant's role may invoke models only with this Amazon Bedrock guardrail (an explicit Deny of bedrock:InvokeModel* unless bedrock:GuardrailIdentifier is the guardrail's ARN:version, plus bedrock:ApplyGuardrail on it), so every call names it; what it assesses on input a caller can still narrow (README, "What a guardrail enforces"). Give exactly one of:
    - arn + version: an existing guardrail of the operations account (arn:<partition>:bedrock:<region>:<account>:guardrail/<id>) and a numbered version (1-99999999; not DRAFT, which changes with every edit, so pinning it pins nothing).
    - create: a guardrail created by this module, with a version of its own (a new one whenever it changes): denied_topics (1-30 of name, definition, up to 5 examples), content_filters (category => strength: SEXUAL, VIOLENCE, HATE, INSULTS, MISCONDUCT, PROMPT_ATTACK => NONE, LOW, MEDIUM, HIGH), denied_words (1-100 characters each), pii_entities (Bedrock PII type => BLOCK or ANONYMIZE), blocked_input_message and blocked_output_message (1-500 characters), tier (CLASSIC or STANDARD; STANDARD needs profile).
    Optionally:
    - previous_versions: numbered versions still accepted during a changeover, so a customer still sending the old one is not cut off before it re-applies; empty it once every caller sends the new version (README, "Rotating a guardrail").
    - profile: the guardrail profile (cross-Region inference, e.g. id us.guardrail.v1:0) and its destination Regions; the role may apply the guardrail through it there, and a created guardrail uses it.
    allowed_regions must then be exactly the guardrail's Region. Pass guardrail_arn and guardrail_version (outputs) to the customer-invoker.
  EOT
  default     = null

  validation {
    condition     = var.guardrail == null || ((try(var.guardrail.arn, null) != null) != (try(var.guardrail.create, null) != null))
    error_message = "guardrail: give exactly one of arn (with version) or create."
  }

  validation {
    # Bedrock API: guardrail ARNs are arn:<partition>:bedrock:<region>:<12 digits>:guardrail/<[a-z0-9]+>.
    condition     = try(var.guardrail.arn, null) == null || can(regex("^arn:(aws|aws-cn|aws-us-gov):bedrock:[a-z]{2}(-[a-z]+)+-[0-9]+:[0-9]{12}:guardrail/[a-z0-9]+$", var.guardrail.arn))
    error_message = "guardrail.arn must be a guardrail ARN without version, arn:<partition>:bedrock:<region>:<account>:guardrail/<id> (lower-case id); give the version in guardrail.version."
  }

  validation {
    condition     = try(var.guardrail.arn, null) == null || can(regex("^[1-9][0-9]{0,7}$", var.guardrail.version))
    error_message = "guardrail.version must be a numbered guardrail version (1-99999999) with guardrail.arn; DRAFT is refused because it changes with every edit of the guardrail, so the IAM condition would pin nothing."
  }

  validation {
    condition     = alltrue([for v in try(var.guardrail.previous_versions, []) : can(regex("^[1-9][0-9]{0,7}$", v)) && v != try(var.guardrail.version, null)])
    error_message = "guardrail.previous_versions must be numbered guardrail versions (1-99999999) other than guardrail.version: each is accepted beside the current version until removed."
  }

  validation {
    # Bedrock user guide, "Available guardrail profiles": ids like us.guardrail.v1:0; the role
    # needs bedrock:ApplyGuardrail on the profile in each destination Region ("Permissions for
    # using cross-Region inference with Amazon Bedrock Guardrails").
    condition = try(var.guardrail.profile, null) == null ? true : (
      can(regex("^[a-z][a-z-]*[.]guardrail[.]v[0-9]+:[0-9]+$", var.guardrail.profile.id))
      && length(var.guardrail.profile.destination_regions) > 0
      && alltrue([for r in var.guardrail.profile.destination_regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", r))])
    )
    error_message = "guardrail.profile: id must be a guardrail profile id such as us.guardrail.v1:0, and destination_regions the profile's Regions (at least one, e.g. us-east-1)."
  }

  validation {
    # Bedrock user guide, "Safeguard tiers for guardrails policies": the Standard tier runs with
    # cross-Region inference; the Classic tier does not support it.
    condition     = try(var.guardrail.create.tier, null) == null ? true : contains(["CLASSIC", "STANDARD"], var.guardrail.create.tier) && (var.guardrail.create.tier != "STANDARD" || try(var.guardrail.profile, null) != null)
    error_message = "guardrail.create.tier must be CLASSIC or STANDARD, and STANDARD needs guardrail.profile (the Standard tier runs with cross-Region inference)."
  }

  validation {
    condition     = try(var.guardrail.create, null) == null || try(var.guardrail.version, null) == null
    error_message = "guardrail.version must not be set with guardrail.create: the module creates the version (and a new one whenever the guardrail changes)."
  }

  validation {
    condition = try(var.guardrail.create, null) == null ? true : (
      length(var.guardrail.create.denied_topics) + length(var.guardrail.create.content_filters) + length(var.guardrail.create.denied_words) + length(var.guardrail.create.pii_entities) > 0
    )
    error_message = "guardrail.create must configure at least one policy: denied_topics, content_filters, denied_words or pii_entities."
  }

  validation {
    # Bedrock CreateGuardrail: GuardrailContentFilterType and GuardrailFilterStrength.
    condition = try(var.guardrail.create, null) == null ? true : alltrue([
      for category, strength in var.guardrail.create.content_filters :
      contains(["SEXUAL", "VIOLENCE", "HATE", "INSULTS", "MISCONDUCT", "PROMPT_ATTACK"], category) && contains(["NONE", "LOW", "MEDIUM", "HIGH"], strength)
    ])
    error_message = "guardrail.create.content_filters must map categories SEXUAL, VIOLENCE, HATE, INSULTS, MISCONDUCT or PROMPT_ATTACK to a strength NONE, LOW, MEDIUM or HIGH."
  }

  validation {
    # Bedrock CreateGuardrail: GuardrailPiiEntityType and GuardrailSensitiveInformationAction.
    condition = try(var.guardrail.create, null) == null ? true : alltrue([
      for type, action in var.guardrail.create.pii_entities :
      contains(["ADDRESS", "AGE", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "CA_HEALTH_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER", "CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY", "CREDIT_DEBIT_CARD_NUMBER", "DRIVER_ID", "EMAIL", "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "IP_ADDRESS", "LICENSE_PLATE", "MAC_ADDRESS", "NAME", "PASSWORD", "PHONE", "PIN", "SWIFT_CODE", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "UK_NATIONAL_INSURANCE_NUMBER", "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "URL", "USERNAME", "US_BANK_ACCOUNT_NUMBER", "US_BANK_ROUTING_NUMBER", "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "US_PASSPORT_NUMBER", "US_SOCIAL_SECURITY_NUMBER", "VEHICLE_IDENTIFICATION_NUMBER"], type) && contains(["BLOCK", "ANONYMIZE"], action)
    ])
    error_message = "guardrail.create.pii_entities must map Bedrock PII entity types (e.g. EMAIL, PHONE, US_SOCIAL_SECURITY_NUMBER, CREDIT_DEBIT_CARD_NUMBER; see GuardrailPiiEntityType) to BLOCK or ANONYMIZE."
  }

  validation {
    # Bedrock CreateGuardrail: at most 30 topics; name 1-100 of [0-9a-zA-Z-_ !?.]; definition 1-200; at most 5 examples of 1-100 characters.
    condition = try(var.guardrail.create, null) == null ? true : length(var.guardrail.create.denied_topics) <= 30 && alltrue([
      for topic in var.guardrail.create.denied_topics :
      can(regex("^[0-9a-zA-Z_ !?.-]{1,100}$", topic.name)) && length(topic.definition) >= 1 && length(topic.definition) <= (try(var.guardrail.create.tier, null) == "STANDARD" ? 1000 : 200) && length(topic.examples) <= 5 && alltrue([for example in topic.examples : length(example) >= 1 && length(example) <= 100])
    ])
    error_message = "guardrail.create.denied_topics: at most 30 topics, each named with 1-100 letters, digits, spaces and -_!?., defined in 1-200 characters (1-1,000 with tier STANDARD), with at most 5 examples of 1-100 characters."
  }

  validation {
    # Bedrock CreateGuardrail: blockedInputMessaging and blockedOutputsMessaging are 1-500 characters; at most 10,000 words.
    condition = try(var.guardrail.create, null) == null ? true : (
      length(var.guardrail.create.blocked_input_message) >= 1 && length(var.guardrail.create.blocked_input_message) <= 500
      && length(var.guardrail.create.blocked_output_message) >= 1 && length(var.guardrail.create.blocked_output_message) <= 500
      && length(var.guardrail.create.denied_words) <= 10000 && alltrue([for word in var.guardrail.create.denied_words : length(trimspace(word)) > 0 && length(word) <= 100])
    )
    error_message = "guardrail.create: blocked_input_message and blocked_output_message must be 1-500 characters, and denied_words at most 10,000 non-blank words of at most 100 characters each (Bedrock GuardrailWordConfig)."
  }
}

variable "cost_center" {
  type        = string
  description = "A cost centre for the tenant, added to the role's tags as CostCenter (and allowed as the only other session tag): a billing dimension beside TenantId once activated as a cost allocation tag. null: no CostCenter tag."
  default     = null

  validation {
    # Tag values: up to 256 characters of letters, digits, spaces and _.:/=+-@ (Tagging AWS resources).
    condition     = var.cost_center == null || can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]{1,256}$", var.cost_center))
    error_message = "cost_center must be 1-256 characters of letters, digits, spaces and _.:/=+-@ (the tag value rule)."
  }
}

variable "monthly_budget_usd" {
  type        = number
  description = "When set, an AWS Budgets cost budget of this many USD per month for the tenant, named like the role, filtered on its TenantId cost allocation tag, notifying at each of budget_notification_fractions of actual spend. Needs an exclusive application_inference_profile (the only resource that carries the tag into the bill; cost.tf says why), and the tag activated in Billing (README)."
  default     = null

  validation {
    condition     = var.monthly_budget_usd == null || try(var.monthly_budget_usd > 0, false)
    error_message = "monthly_budget_usd must be greater than 0 (or null for no budget)."
  }
}

variable "budget_notification_fractions" {
  type        = list(number)
  description = "Fractions of monthly_budget_usd at which AWS Budgets notifies, e.g. [0.8, 1] for 80 % and 100 % of actual spend."
  default     = [0.8, 1]

  validation {
    # AWS Budgets allows at most 5 notifications per budget.
    condition     = length(var.budget_notification_fractions) >= 1 && length(var.budget_notification_fractions) <= 5 && length(distinct(var.budget_notification_fractions)) == length(var.budget_notification_fractions) && alltrue([for fraction in var.budget_notification_fractions : fraction > 0 && fraction <= 10])
    error_message = "budget_notification_fractions must hold 1 to 5 distinct fractions (AWS Budgets allows 5 notifications per budget), each greater than 0 and at most 10."
  }
}

variable "budget_notification_emails" {
  type        = list(string)
  description = "Email addresses AWS Budgets notifies (at most 10 per notification)."
  default     = []

  validation {
    condition     = length(var.budget_notification_emails) <= 10 && alltrue([for email in var.budget_notification_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", email))])
    error_message = "budget_notification_emails must be at most 10 email addresses."
  }
}

variable "budget_notification_sns_topic_arns" {
  type        = list(string)
  description = "SNS topics AWS Budgets notifies (at most one per notification; its policy must let budgets.amazonaws.com publish)."
  default     = []

  validation {
    condition     = length(var.budget_notification_sns_topic_arns) <= 1 && alltrue([for arn in var.budget_notification_sns_topic_arns : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", arn))])
    error_message = "budget_notification_sns_topic_arns must hold at most one SNS topic ARN (AWS Budgets allows one SNS subscriber per notification)."
  }
}

variable "budget_tag_key_prefix" {
  type        = string
  description = "How the budget's cost filter names the TenantId cost allocation tag: \"user:\" for a user-defined tag (the AWS Budgets TagKeyValue form user:<key>$<value>). Change it only if Billing shows the activated key under another prefix."
  default     = "user:"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9/]*:$", var.budget_tag_key_prefix))
    error_message = "budget_tag_key_prefix must be a prefix ending in ':', like user:."
  }
}
