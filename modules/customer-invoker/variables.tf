# --- tenant and operations role -------------------------------------------------

variable "tenant_id" {
  type        = string
  description = "Identifier of the tenant (the same as in operations-role): 1-39 lower-case letters and digits, words joined by single - or _. Names resources and is written into every record. Lower case because IAM names are case-insensitive (tenants Acme and acme would collide); 39 characters so the longest derived name, bedrock-tenant-<tenant_id>-execution, fits IAM's 64."

  validation {
    condition     = length(var.tenant_id) <= 39 && can(regex("^[a-z0-9]+([_-][a-z0-9]+)*$", var.tenant_id))
    error_message = "tenant_id must be 1-39 lower-case letters and digits, words joined by single - or _ (e.g. acme or acme-eu): IAM names are case-insensitive, and derived names must fit their services' limits."
  }
}

variable "operations_role_arn" {
  type        = string
  description = "ARN of the tenant's role in the operations account (the operations-role module's role_arn), in the provider's partition. The execution role may assume exactly this role."

  validation {
    condition     = !can(regex("[*?]", var.operations_role_arn))
    error_message = "operations_role_arn must not contain wildcards (* or ?): the execution role may assume exactly one role."
  }

  validation {
    condition     = can(regex("^arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:role/([!-~]+/)?[A-Za-z0-9_+=,.@-]{1,64}$", var.operations_role_arn))
    error_message = "operations_role_arn must be an IAM role ARN: arn:<partition>:iam::<12-digit account>:role/[<path>/]<name>."
  }
}

variable "external_id" {
  type        = string
  description = "The sts:ExternalId the operations role requires. Stored in the function's environment, encrypted with the module's KMS key."
  sensitive   = true

  validation {
    condition     = length(var.external_id) >= 16 && length(var.external_id) <= 1224 && can(regex("^[A-Za-z0-9_+=,.@:/-]+$", var.external_id))
    error_message = "external_id must be 16-1224 characters of letters, digits and _+=,.@:/- (a short external id is guessable)."
  }
}

variable "source_identity" {
  type        = string
  description = "When set, the function sets this sts:SourceIdentity on AssumeRole (the operations role must allow sts:SetSourceIdentity)."
  default     = null

  validation {
    condition     = var.source_identity == null || can(regex("^[A-Za-z0-9_+=,.@-]{2,64}$", var.source_identity))
    error_message = "source_identity must be 2-64 characters of letters, digits and _+=,.@-."
  }
}

variable "session_duration_seconds" {
  type        = number
  description = "How long the operations-role sessions the function assumes last, in seconds: 1,200 to 3,600. A Lambda execution role assuming the operations role is role chaining, which STS caps at 1 hour; below 20 minutes botocore's 15-minute early refresh leaves a credential less than 5 minutes of use, so nearly every call would assume the role again."
  default     = 3600

  validation {
    condition     = var.session_duration_seconds >= 1200 && var.session_duration_seconds <= 3600 && floor(var.session_duration_seconds) == var.session_duration_seconds
    error_message = "session_duration_seconds must be a whole number of seconds from 1200 to 3600: role chaining caps sessions at 1 hour, and shorter than 20 minutes makes botocore assume the role for nearly every call."
  }
}

# --- model ------------------------------------------------------------------------

variable "model_id" {
  type        = string
  description = "Bedrock foundation-model id the function invokes, e.g. amazon.nova-lite-v1:0; with inference_profile_arn, the profile's model (records and metrics name it). Not an inference profile id such as us.amazon.nova-lite-v1:0: pass a profile as inference_profile_arn."

  validation {
    # The foundation-model id pattern of the Bedrock API (InferenceProfileModel.modelArn).
    condition     = can(regex("^[a-z0-9-]{1,63}[.]([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}(:[a-z0-9-]{1,63}){0,2}$", var.model_id))
    error_message = "model_id must be a foundation-model id of the form <provider>.<model> (e.g. amazon.nova-lite-v1:0), lower case."
  }

  validation {
    condition     = !contains(["us", "us-gov", "eu", "apac", "jp", "au", "ca", "global"], split(".", var.model_id)[0])
    error_message = "model_id must be a foundation-model id, not an inference profile id (us.<model>, global.<model>, ...): pass the profile's ARN as inference_profile_arn and its model here."
  }
}

variable "bedrock_region" {
  type        = string
  description = "Region of the Bedrock calls (one of the operations role's allowed Regions; an inference profile's own Region). Must exist in the provider's partition."

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.bedrock_region))
    error_message = "bedrock_region must be a region like us-east-1."
  }
}

variable "inference_profile_arn" {
  type        = string
  description = "Invoke through this inference profile (the operations-role module's inference_profile_arn, or a system profile such as arn:aws:bedrock:us-east-1:<operations account>:inference-profile/us.amazon.nova-lite-v1:0) instead of the foundation model. It must be in bedrock_region and the operations role's account."
  default     = null

  validation {
    condition     = var.inference_profile_arn == null || can(regex("^arn:(aws|aws-cn|aws-us-gov):bedrock:[a-z0-9-]+:[0-9]{12}:(application-inference-profile|inference-profile)/[A-Za-z0-9_.:-]+$", var.inference_profile_arn))
    error_message = "inference_profile_arn must be a Bedrock inference profile ARN (arn:<partition>:bedrock:<region>:<account>:application-inference-profile/<id> or inference-profile/<id>)."
  }
}

variable "max_tokens" {
  type        = number
  description = "Default maximum output tokens per call (requests may lower it)."
  default     = 1024

  validation {
    condition     = var.max_tokens >= 1 && var.max_tokens <= 200000 && floor(var.max_tokens) == var.max_tokens
    error_message = "max_tokens must be a whole number from 1 to 200000."
  }
}

# --- logging ------------------------------------------------------------------------

variable "content_policy" {
  type        = string
  description = "What records keep of prompts and responses: full (the text), hash (SHA-256 digests only) or none."
  default     = "hash"

  validation {
    condition     = contains(["full", "hash", "none"], var.content_policy)
    error_message = "content_policy must be one of full, hash or none."
  }
}

variable "invocation_log_group_name" {
  type        = string
  description = "Name of the log group the callback writes invocation records to (not the function's own log group). Default: /bedrock-tenant/<tenant_id>/invocations."
  default     = null

  validation {
    # CloudWatch Logs CreateLogGroup: 1-512 characters of a-zA-Z0-9_-/.#, not starting with aws/.
    condition     = var.invocation_log_group_name == null || can(regex("^[A-Za-z0-9_./#-]{1,512}$", var.invocation_log_group_name))
    error_message = "invocation_log_group_name must be 1-512 characters of letters, digits and _./#-."
  }

  validation {
    condition     = var.invocation_log_group_name == null ? true : !startswith(var.invocation_log_group_name, "aws/")
    error_message = "invocation_log_group_name must not start with aws/ (reserved by CloudWatch Logs)."
  }
}

variable "log_retention_in_days" {
  type        = number
  description = "Retention of both log groups, in days (a value CloudWatch Logs accepts; never-expire is not offered)."
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "application_log_level" {
  type        = string
  description = "Lambda application log level of the function's own (JSON) logs."
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.application_log_level)
    error_message = "application_log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR or FATAL."
  }
}

variable "system_log_level" {
  type        = string
  description = "Lambda system log level of the function's own (JSON) logs: INFO (the default) keeps the START, END and REPORT lines that carry each invocation's duration and memory; DEBUG adds more. WARN is refused because it drops them (Lambda developer guide, \"Log-level filtering\")."
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO"], var.system_log_level)
    error_message = "system_log_level must be INFO or DEBUG: WARN drops Lambda's START, END and REPORT lines (duration and memory of each invocation)."
  }
}

variable "metric_namespace" {
  type        = string
  description = "CloudWatch namespace of the metrics extracted from the records (Embedded Metric Format)."
  default     = "BedrockTenant"

  validation {
    # CloudWatch Metric.Namespace: 1-255 characters matching [^:].*, not starting with AWS/.
    condition     = can(regex("^[A-Za-z0-9._#:/ -]{1,255}$", var.metric_namespace)) && !startswith(var.metric_namespace, "AWS/") && !startswith(var.metric_namespace, ":")
    error_message = "metric_namespace must be 1-255 characters of letters, digits and ._#:/- and space, and must not start with AWS/ or a colon."
  }
}

# --- encryption ---------------------------------------------------------------------

variable "kms_key_arn" {
  type        = string
  description = "Use this existing KMS key (in the function's Region) instead of creating one. Its policy must let CloudWatch Logs use it for the two log groups (kms:EncryptionContext:aws:logs:arn), and delegate to IAM (the account-root statement) so the execution role's conditioned IAM statements take effect."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:(aws|aws-cn|aws-us-gov):kms:[a-z0-9-]+:[0-9]{12}:key/(mrk-)?[a-f0-9-]{32,36}$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key-id>), not an alias."
  }
}

variable "kms_key_deletion_window_in_days" {
  type        = number
  description = "Waiting period before the created KMS key is deleted after destroy (7 to 30 days)."
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30 && floor(var.kms_key_deletion_window_in_days) == var.kms_key_deletion_window_in_days
    error_message = "kms_key_deletion_window_in_days must be a whole number from 7 to 30."
  }
}

# --- dead-letter queue -------------------------------------------------------------

variable "create_dead_letter_queue" {
  type        = bool
  description = "Give the function an encrypted SQS dead-letter queue for failed asynchronous invocations. It holds each failed event's raw payload, the prompt included, whatever content_policy says; false sends failed events nowhere (Lambda drops them after its retries)."
  default     = true
}

variable "dead_letter_queue_retention_seconds" {
  type        = number
  description = "How long the dead-letter queue keeps a failed event (and its prompt), in seconds: 60 to 1,209,600 (14 days, SQS's limits). Default one day, enough to notice and replay, short enough not to become a second prompt store."
  default     = 86400

  validation {
    condition     = var.dead_letter_queue_retention_seconds >= 60 && var.dead_letter_queue_retention_seconds <= 1209600 && floor(var.dead_letter_queue_retention_seconds) == var.dead_letter_queue_retention_seconds
    error_message = "dead_letter_queue_retention_seconds must be a whole number of seconds from 60 to 1209600 (14 days), SQS's limits."
  }
}

# --- function -----------------------------------------------------------------------

variable "function_name" {
  type        = string
  description = "Name of the Lambda function, at most 54 characters (the execution role is <function_name>-execution, and IAM role names are at most 64). Default: bedrock-tenant-<tenant_id>."
  default     = null

  validation {
    condition     = var.function_name == null || can(regex("^[A-Za-z0-9_-]{1,54}$", var.function_name))
    error_message = "function_name must be 1-54 characters of letters, digits, _ and - (the execution role <function_name>-execution must fit IAM's 64 characters)."
  }
}

variable "runtime" {
  type        = string
  description = "Lambda Python runtime."
  default     = "python3.12"

  validation {
    condition     = contains(["python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be python3.12 or python3.13."
  }
}

variable "architecture" {
  type        = string
  description = "Instruction set of the function (and of the dependency layer built for it)."
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "memory_size" {
  type        = number
  description = "Memory of the function, in MB."
  default     = 512

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240."
  }
}

variable "timeout" {
  type        = number
  description = "Timeout of the function, in seconds."
  default     = 60

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 1 to 900."
  }
}

variable "reserved_concurrent_executions" {
  type        = number
  description = "Concurrency reserved for (and capping) the function: the tenant's quota lever on the customer side. null or -1 (the default): unreserved. 0 stops all invocations. Lambda keeps at least 100 of the account's concurrency unreserved, and new accounts may have a quota of only 10, so reserving any amount then fails at apply (Lambda developer guide, \"Configuring reserved concurrency\" and \"Lambda quotas\"); check the account's quota first."
  default     = null

  validation {
    condition     = var.reserved_concurrent_executions == null ? true : (var.reserved_concurrent_executions >= -1 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions)
    error_message = "reserved_concurrent_executions must be null or -1 (unreserved), or a whole number, 0 or more."
  }
}

variable "dependencies_zip_path" {
  type        = string
  description = "Path to the dependency layer zip built by `make layer` (langchain-aws and the rest, for the Lambda platform). Publishes it as a layer. Set this or layer_arns."
  default     = null
}

variable "layer_arns" {
  type        = list(string)
  description = "Existing layer version ARNs to attach (for example a dependency layer published elsewhere)."
  default     = []

  validation {
    condition     = alltrue([for arn in var.layer_arns : can(regex("^arn:(aws|aws-cn|aws-us-gov):lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", arn))])
    error_message = "layer_arns must contain Lambda layer version ARNs (arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>)."
  }

  validation {
    condition     = length(var.layer_arns) <= 4
    error_message = "layer_arns may hold at most 4 layers (Lambda allows 5, one is kept for the dependency layer)."
  }
}

variable "source_dir" {
  type        = string
  description = "Directory holding the bedrock_tenant package to deploy. Default: the repository's python/src, found as ../../python/src from the module, which exists when the module is referenced by a relative path in a checkout or as <repository>//modules/customer-invoker; set it when the module is installed alone (an absolute path or a registry)."
  default     = null

  validation {
    condition     = var.source_dir == null ? true : fileexists("${var.source_dir}/bedrock_tenant/handler.py")
    error_message = "source_dir must be a directory holding the bedrock_tenant package (bedrock_tenant/handler.py), such as this repository's python/src."
  }
}

variable "artifacts_dir" {
  type        = string
  description = "Where Terraform writes the code zip. Default: builds/ under the root module."
  default     = null
}

variable "vpc_config" {
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  description = "Run the function in these subnets with these security groups (they need a route to STS, Bedrock and CloudWatch Logs: NAT or VPC endpoints)."
  default     = null

  validation {
    condition = var.vpc_config == null || (
      length(try(var.vpc_config.subnet_ids, [])) > 0 &&
      length(try(var.vpc_config.security_group_ids, [])) > 0 &&
      alltrue([for id in try(var.vpc_config.subnet_ids, []) : can(regex("^subnet-[0-9a-f]{8,17}$", id))]) &&
      alltrue([for id in try(var.vpc_config.security_group_ids, []) : can(regex("^sg-[0-9a-f]{8,17}$", id))])
    )
    error_message = "vpc_config needs at least one subnet id (subnet-...) and one security group id (sg-...)."
  }
}

variable "code_signing_config_arn" {
  type        = string
  description = "ARN of a Lambda code-signing configuration to enforce."
  default     = null

  validation {
    condition     = var.code_signing_config_arn == null || can(regex("^arn:(aws|aws-cn|aws-us-gov):lambda:[a-z0-9-]+:[0-9]{12}:code-signing-config:csc-[a-z0-9]{17}$", var.code_signing_config_arn))
    error_message = "code_signing_config_arn must be a Lambda code-signing config ARN (arn:<partition>:lambda:<region>:<account>:code-signing-config:csc-<id>)."
  }
}

variable "permissions_boundary_arn" {
  type        = string
  description = "ARN of a managed policy to set as the execution role's permissions boundary."
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}|aws):policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM managed policy ARN."
  }
}

# --- monitoring ---------------------------------------------------------------------

variable "create_dashboard" {
  type        = bool
  description = "Create a CloudWatch dashboard of tokens, latency, errors, throttles and invocations."
  default     = true
}

variable "alarm_actions" {
  type        = list(string)
  description = "ARNs (e.g. SNS topics) notified when an alarm fires."
  default     = []

  validation {
    condition     = alltrue([for arn in var.alarm_actions : can(regex("^arn:(aws|aws-cn|aws-us-gov):[a-z0-9-]+:", arn))])
    error_message = "alarm_actions must contain ARNs."
  }
}

variable "ok_actions" {
  type        = list(string)
  description = "ARNs notified when an alarm returns to OK."
  default     = []

  validation {
    condition     = alltrue([for arn in var.ok_actions : can(regex("^arn:(aws|aws-cn|aws-us-gov):[a-z0-9-]+:", arn))])
    error_message = "ok_actions must contain ARNs."
  }
}

variable "alarm_period_seconds" {
  type        = number
  description = "Evaluation period of the alarms, in seconds."
  default     = 300

  validation {
    condition     = contains([60, 300, 900, 3600], var.alarm_period_seconds)
    error_message = "alarm_period_seconds must be 60, 300, 900 or 3600."
  }
}

variable "error_alarm_threshold" {
  type        = number
  description = "Failed model calls per period at which the error alarm fires."
  default     = 1

  validation {
    condition     = var.error_alarm_threshold >= 1
    error_message = "error_alarm_threshold must be at least 1."
  }
}

variable "throttle_alarm_threshold" {
  type        = number
  description = "Throttled model calls per period at which the throttle alarm fires."
  default     = 1

  validation {
    condition     = var.throttle_alarm_threshold >= 1
    error_message = "throttle_alarm_threshold must be at least 1."
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
