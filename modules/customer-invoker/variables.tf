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
  description = "The sts:ExternalId the operations role requires (16-1224 characters of letters, digits and _+=,.@:/-). Stored in the function's environment, encrypted with the module's KMS key."
  sensitive   = true
  # Checked by a precondition, not a validation block: Terraform (1.11) prints the value of a
  # sensitive variable that fails its validation ("var.external_id is ..."), a precondition does not.
}

variable "source_identity" {
  type        = string
  description = "When set, the function sets this sts:SourceIdentity on AssumeRole, the label the operations account's CloudTrail shows for its calls: tenant_id itself or <tenant_id>.<workload> (e.g. acme.production), the only values the operations role admits (operations-role allow_source_identity)."
  default     = null

  validation {
    # STS AssumeRole API reference, SourceIdentity: 2-64 characters of [\w+=,.@-].
    condition     = var.source_identity == null || can(regex("^[A-Za-z0-9_+=,.@-]{2,64}$", var.source_identity))
    error_message = "source_identity must be 2-64 characters of letters, digits and _+=,.@-."
  }

  validation {
    # operations-role's trust pins sts:SourceIdentity to these two forms (StringLike).
    condition     = var.source_identity == null || var.source_identity == var.tenant_id || startswith(coalesce(var.source_identity, "-"), "${var.tenant_id}.")
    error_message = "source_identity must be tenant_id or start with \"<tenant_id>.\" (e.g. <tenant_id>.production): the operations role admits no other label."
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

variable "record_delivery" {
  type        = string
  description = <<-EOT
    How each invocation record reaches the invocation log group.
    "put_log_events" (the default, the safest for records): the runtime writes the records with PutLogEvents, in the customer account, before the function returns; it sees every failure and every event CloudWatch rejects, and then writes the record to the function's own log group instead (counted, never dropped). It costs one PutLogEvents round trip per invocation on the response path, and the function keeps its own log group for Lambda's lines and the runtime's warnings.
    "lambda_log_pipeline": the runtime prints each record (one JSON line, microseconds) and Lambda's own log pipeline delivers the function's output, with the execution role, to the invocation log group (logging_config.log_group); no logging API call on the response path, and no function log group. Delivery is then Lambda's, asynchronous and unseen by the function: if the role lost its logs permissions or the group were deleted, records would be lost without any error. The group also holds Lambda's platform lines (START/END/REPORT, "type": "platform.*") and the runtime's warnings ("level"), told apart from records by their schema_version key; application_log_level must stay INFO or lower, because Lambda gives the record lines the level INFO (Lambda developer guide, "Log-level filtering").
  EOT
  default     = "put_log_events"

  validation {
    condition     = contains(["put_log_events", "lambda_log_pipeline"], var.record_delivery)
    error_message = "record_delivery must be \"put_log_events\" or \"lambda_log_pipeline\"."
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

# --- SQS event source ---------------------------------------------------------------

variable "sqs_event_source" {
  type = object({
    queue_arn                       = string
    batch_size                      = optional(number, 10)
    maximum_batching_window_seconds = optional(number, 0)
    kms_key_arn                     = optional(string)
  })
  description = "When set, the function reads requests from this SQS queue (an event-source mapping that reports partial batch failures, so only the failed messages return to the queue and, after its redrive policy, reach its dead-letter queue), and the execution role may receive and delete its messages; kms_key_arn is the queue's customer managed key, if any. README, \"Requests from an SQS queue\"."
  default     = null

  validation {
    condition     = var.sqs_event_source == null || can(regex("^arn:(aws|aws-cn|aws-us-gov):sqs:[a-z]{2}(-[a-z]+)+-[0-9]+:[0-9]{12}:[A-Za-z0-9_-]{1,75}(\\.fifo)?$", var.sqs_event_source.queue_arn))
    error_message = "sqs_event_source.queue_arn must be an SQS queue ARN, arn:<partition>:sqs:<region>:<account>:<queue name> (1-80 characters of letters, digits, - and _, .fifo for a FIFO queue)."
  }

  validation {
    # Lambda developer guide, "Using Lambda with Amazon SQS" (batching behavior): a batch is 1-10
    # messages, up to 10,000 for a standard queue with a batching window of at least 1 second;
    # the window is 0-300 seconds.
    condition = var.sqs_event_source == null ? true : (
      floor(var.sqs_event_source.batch_size) == var.sqs_event_source.batch_size && var.sqs_event_source.batch_size >= 1
      && floor(var.sqs_event_source.maximum_batching_window_seconds) == var.sqs_event_source.maximum_batching_window_seconds
      && var.sqs_event_source.maximum_batching_window_seconds >= 0 && var.sqs_event_source.maximum_batching_window_seconds <= 300
      && (var.sqs_event_source.batch_size <= 10 || (var.sqs_event_source.maximum_batching_window_seconds >= 1 && var.sqs_event_source.batch_size <= 10000 && !endswith(var.sqs_event_source.queue_arn, ".fifo")))
    )
    error_message = "sqs_event_source: batch_size must be 1-10, or up to 10,000 for a standard queue with maximum_batching_window_seconds of at least 1; maximum_batching_window_seconds 0-300 (Lambda's SQS batching limits)."
  }

  validation {
    condition     = try(var.sqs_event_source.kms_key_arn, null) == null || can(regex("^arn:(aws|aws-cn|aws-us-gov):kms:[a-z]{2}(-[a-z]+)+-[0-9]+:[0-9]{12}:key/[0-9a-f-]{36}$", var.sqs_event_source.kms_key_arn))
    error_message = "sqs_event_source.kms_key_arn must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id>."
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

variable "snap_start" {
  type        = bool
  description = <<-EOT
    Turn on Lambda SnapStart (Python 3.12 and later): Lambda initialises the function when a version is published (the runtime builds its clients then, without credentials) and resumes new execution environments from that snapshot, so a cold start skips the imports. The module then publishes a version on every change and points the alias "live" at it: callers must invoke the alias (output function_target_arn), because the unqualified function ($LATEST) runs without SnapStart; the dashboard reads the alias's metrics. Pricing (Python): a caching charge per published version for as long as it is active (at least 3 hours) and a charge per restore, both by memory size (Lambda developer guide, "SnapStart pricing"); versions the module published earlier keep their snapshots until deleted. Limits: no provisioned concurrency, no Amazon EFS, ephemeral storage of at most 512 MB (this module sets none of them); reserved concurrency and the dead-letter queue are function settings that every version keeps (a version carries the configuration it was published with).
  EOT
  default     = false
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

variable "daily_token_budget" {
  type        = number
  description = "Tokens per day (the records' total_tokens: input including prompt-cache reads and writes, plus output) this tenant may use on model_id; an alarm fires at each of budget_alarm_fractions of it (sum of the EMF metric over a one-day period). null: no token alarms."
  default     = null

  validation {
    condition     = var.daily_token_budget == null || try(var.daily_token_budget >= 1 && floor(var.daily_token_budget) == var.daily_token_budget, false)
    error_message = "daily_token_budget must be a whole number of tokens, at least 1 (or null for no token alarms)."
  }
}

variable "daily_cost_budget_usd" {
  type        = number
  description = "Estimated USD per day (the records' estimated_cost_usd, from the runtime's price table: an estimate, not a bill) this tenant may spend on model_id; an alarm fires at each of budget_alarm_fractions of it. Calls whose cost cannot be estimated (cost_unavailable) do not count. null: no cost alarms."
  default     = null

  validation {
    condition     = var.daily_cost_budget_usd == null || try(var.daily_cost_budget_usd > 0, false)
    error_message = "daily_cost_budget_usd must be greater than 0 (or null for no cost alarms)."
  }
}

variable "budget_alarm_fractions" {
  type        = list(number)
  description = "Fractions of daily_token_budget and daily_cost_budget_usd at which an alarm fires, e.g. [0.8, 1] for 80 % and 100 %. One alarm per budget and fraction."
  default     = [0.8, 1]

  validation {
    condition     = length(var.budget_alarm_fractions) >= 1 && length(var.budget_alarm_fractions) <= 5 && length(distinct(var.budget_alarm_fractions)) == length(var.budget_alarm_fractions) && alltrue([for fraction in var.budget_alarm_fractions : fraction > 0 && fraction <= 2])
    error_message = "budget_alarm_fractions must hold 1 to 5 distinct fractions, each greater than 0 and at most 2 (200 % of the budget)."
  }
}

variable "price_table" {
  type        = string
  description = "A price table in JSON (the format of python/src/bedrock_tenant/data/prices.json: format 1, version, effective_date, currency USD, unit per_million_tokens, source, models -> Region or '*' -> input/output/cache_read/cache_write) whose entries win, model by model, over the table shipped with the runtime. Shipped in the function package and named by BEDROCK_TENANT_PRICE_TABLE, so a price change needs no new runtime release. null: the shipped table only."
  default     = null

  validation {
    condition = var.price_table == null || try(
      jsondecode(var.price_table).format == 1 && length(jsondecode(var.price_table).models) > 0 && alltrue(flatten([
        for model, regions in jsondecode(var.price_table).models : [
          for region, price in regions : price.input >= 0 && price.output >= 0 && coalesce(try(price.cache_read, null), 0) >= 0 && coalesce(try(price.cache_write, null), 0) >= 0
        ]
      ])),
      false
    )
    error_message = "price_table must be JSON with format = 1 and a non-empty models map of model id -> Region (or \"*\") -> prices with input and output (and optional cache_read, cache_write) that are numbers >= 0, as in python/src/bedrock_tenant/data/prices.json."
  }
}

variable "create_query_definitions" {
  type        = bool
  description = "Save the usage Logs Insights queries (usage per tenant, model and day; calls without a cost estimate) for the invocation log group, named bedrock-tenant/<tenant_id>/... (the text `python -m bedrock_tenant report` runs). Off by default because the embedded AWS the examples are tested on has no PutQueryDefinition; turn it on in real accounts."
  default     = false
}

variable "guardrail_arn" {
  type        = string
  description = "The Amazon Bedrock guardrail every call names (the operations-role module's guardrail_arn): arn:<partition>:bedrock:<region>:<operations account>:guardrail/<id>, in bedrock_region. When the operations role requires a guardrail, a function without it (or with another) is refused by IAM. Set with guardrail_version."
  default     = null

  validation {
    # Converse GuardrailConfiguration.guardrailIdentifier (Bedrock API reference), as an ARN without version.
    condition     = var.guardrail_arn == null || can(regex("^arn:(aws|aws-cn|aws-us-gov):bedrock:[a-z]{2}(-[a-z]+)+-[0-9]+:[0-9]{12}:guardrail/[a-z0-9]+$", var.guardrail_arn))
    error_message = "guardrail_arn must be a guardrail ARN without version: arn:<partition>:bedrock:<region>:<account>:guardrail/<lower-case id>."
  }
}

variable "guardrail_version" {
  type        = string
  description = "The guardrail version the operations role requires (the operations-role module's guardrail_version): a number from 1 to 99999999."
  default     = null

  validation {
    # Converse GuardrailConfiguration.guardrailVersion is [1-9][0-9]{0,7} or DRAFT; the operations role pins a number.
    condition     = var.guardrail_version == null || can(regex("^[1-9][0-9]{0,7}$", var.guardrail_version))
    error_message = "guardrail_version must be a numbered version from 1 to 99999999 (DRAFT changes with every edit, so the operations role never pins it)."
  }
}

variable "guardrail_trace" {
  type        = bool
  description = "Ask Bedrock for the guardrail's trace, so a record names which policies intervened and their action (never the matched text unless content_policy is full)."
  default     = true
}

variable "session_tags" {
  type        = map(string)
  description = "Session tags the runtime passes when it assumes the operations role, e.g. { TenantId = \"acme\", CostCenter = \"cc-42\" }: cost allocation tags for the operations account's billing data. The operations role must allow them (operations-role allow_session_tags, which admits only the tenant's own TenantId and cost_center values). {}: no session tags."
  default     = {}

  validation {
    # STS AssumeRole Tags: at most 50; keys 1-128 and values 0-256 characters of
    # letters, digits, spaces and _.:/=+-@ (STS API reference, AssumeRole and Tag).
    condition     = length(var.session_tags) <= 50 && alltrue([for key, value in var.session_tags : can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]{1,128}$", key)) && length(value) <= 256 && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", value))])
    error_message = "session_tags: at most 50 tags, keys 1-128 and values 0-256 characters of letters, digits, spaces and _.:/=+-@ (the STS session tag rules)."
  }

  validation {
    condition     = lookup(var.session_tags, "TenantId", var.tenant_id) == var.tenant_id
    error_message = "session_tags: TenantId must be tenant_id; the operations role refuses another tenant's tags."
  }
}

variable "data_protection" {
  type = object({
    # null: on exactly when content_policy is "full" (the only policy whose records hold text).
    enabled = optional(bool)
    # Managed data identifier names (EmailAddress, DriversLicense-US) or their ARNs
    # (arn:<partition>:dataprotection::aws:data-identifier/<Name>).
    data_identifiers = optional(list(string), ["EmailAddress", "CreditCardNumber", "CreditCardSecurityCode", "AwsSecretKey", "OpenSshPrivateKey", "PgpPrivateKey", "PkcsPrivateKey", "PuttyPrivateKey"])
    # Write audit findings (which identifiers matched where, never the data) to a log
    # group this module creates, encrypted with the module's key; false: no destination.
    audit_findings = optional(bool, true)
  })
  description = <<-EOT
    A CloudWatch Logs data protection policy on the invocation log group, which masks the chosen sensitive data (managed data identifiers) in the records: readers without logs:Unmask see asterisks. On by default when content_policy is "full"; set enabled to force it on or off. Masking happens at ingestion and only for events ingested after the policy exists; principals with logs:Unmask (GetLogEvents/FilterLogEvents with unmask, the Logs Insights unmask command) still read the raw data (CloudWatch Logs API reference, PutDataProtectionPolicy). data_identifiers: managed data identifier names such as EmailAddress, or region-dependent ones with their two-letter code such as DriversLicense-US, or their ARNs (CloudWatch Logs user guide, "CloudWatch Logs managed data identifiers for sensitive data types"). audit_findings: also send findings reports to the log group /aws/vendedlogs/bedrock-tenant/<function_name>/data-protection-findings (retention log_retention_in_days, the module's KMS key; a supplied kms_key_arn must then let CloudWatch Logs use it for that group too).
  EOT
  default     = {}
  nullable    = false

  validation {
    condition     = length(var.data_protection.data_identifiers) > 0
    error_message = "data_protection.data_identifiers must name at least one data identifier: a data protection policy needs one (CloudWatch Logs, PutDataProtectionPolicy)."
  }

  validation {
    condition     = alltrue([for identifier in var.data_protection.data_identifiers : !can(regex("[*?]", identifier))])
    error_message = "data_protection.data_identifiers must not contain wildcards (* or ?): name each managed data identifier."
  }

  validation {
    # Names are letters; region-dependent ones end in -<ISO 3166-1 alpha-2 code>.
    condition     = alltrue([for identifier in var.data_protection.data_identifiers : can(regex("^(arn:(aws|aws-cn|aws-us-gov):dataprotection::aws:data-identifier/)?[A-Z][A-Za-z]+(-[A-Z]{2})?$", identifier))])
    error_message = "data_protection.data_identifiers must hold managed data identifier names (e.g. EmailAddress, DriversLicense-US) or their ARNs (arn:<partition>:dataprotection::aws:data-identifier/<Name>)."
  }

  validation {
    condition     = length(distinct([for identifier in var.data_protection.data_identifiers : element(split("/", identifier), length(split("/", identifier)) - 1)])) == length(var.data_protection.data_identifiers)
    error_message = "data_protection.data_identifiers must not repeat an identifier (by name or ARN)."
  }
}
