variable "cloudtrail_log_group_name" {
  type        = string
  description = "CloudWatch Logs log group, in this account and Region, that a trail delivers this account's management events to. Make it a multi-Region trail: STS logs each AssumeRole in the Region of the endpoint called (the global endpoint's in us-east-1), so a single-Region trail misses the rest."

  validation {
    # CreateLogGroup: 1-512 characters of a-z A-Z 0-9 _ - / . #
    condition     = can(regex("^[A-Za-z0-9_/.#-]{1,512}$", var.cloudtrail_log_group_name))
    error_message = "cloudtrail_log_group_name must be 1-512 characters of letters, digits and _-/.# (a CloudWatch Logs log group name)."
  }
}

variable "role_name_prefix" {
  type        = string
  description = "The operations-role modules' role_name_prefix: every role whose name starts with it, under role_path, counts as a tenant role."
  default     = "bedrock-tenant-"

  validation {
    # Non-empty: an empty prefix would count refusals of every role under the path.
    condition     = can(regex("^[A-Za-z0-9_+=,.@-]{1,32}$", var.role_name_prefix))
    error_message = "role_name_prefix must be 1-32 characters of letters, digits and _+=,.@- (the IAM role-name character set), as given to operations-role."
  }
}

variable "role_path" {
  type        = string
  description = "The operations-role modules' role_path."
  default     = "/bedrock-tenants/"

  validation {
    # IAM's path rule, less " and * (the filter pattern quotes the ARN and reads * as a wildcard).
    condition     = var.role_path == "/" || (can(regex("^/[!-~]+/$", var.role_path)) && length(var.role_path) <= 512 && !can(regex("[\"*]", var.role_path)))
    error_message = "role_path must be \"/\" or start and end with \"/\" and contain only printable ASCII without spaces, \" or * (at most 512 characters), as given to operations-role."
  }
}

variable "name" {
  type        = string
  description = "Name of the metric filter and the alarm, and the metric's name."
  default     = "bedrock-tenant-role-assume-denied"

  validation {
    # Metric filter names: 1-512 characters without ':' or '*'; alarm names are at most 255.
    condition     = length(var.name) >= 1 && length(var.name) <= 255 && !can(regex("[:*]", var.name))
    error_message = "name must be 1-255 characters without ':' or '*' (metric filter and alarm name rules)."
  }
}

variable "metric_namespace" {
  type        = string
  description = "CloudWatch namespace of the count of refused AssumeRole calls."
  default     = "BedrockTenantOperations"

  validation {
    # PutMetricData: a namespace is 1-255 characters and must not start with "AWS/" (reserved).
    condition     = length(var.metric_namespace) >= 1 && length(var.metric_namespace) <= 255 && !startswith(var.metric_namespace, "AWS/")
    error_message = "metric_namespace must be 1-255 characters and must not start with \"AWS/\" (reserved for AWS services)."
  }
}

variable "alarm_threshold" {
  type        = number
  description = "Refused AssumeRole calls on tenant roles within one alarm period that raise the alarm."
  default     = 1

  validation {
    condition     = var.alarm_threshold >= 1 && floor(var.alarm_threshold) == var.alarm_threshold
    error_message = "alarm_threshold must be a whole number of at least 1."
  }
}

variable "alarm_period_seconds" {
  type        = number
  description = "Period of the alarm: 60 or a multiple of 60 seconds, at most one day."
  default     = 300

  validation {
    condition     = var.alarm_period_seconds >= 60 && var.alarm_period_seconds <= 86400 && var.alarm_period_seconds % 60 == 0
    error_message = "alarm_period_seconds must be a multiple of 60 between 60 and 86400 (CloudWatch alarm periods for metrics published at standard resolution)."
  }
}

variable "alarm_actions" {
  type        = list(string)
  description = "ARNs notified when the alarm fires (e.g. an SNS topic)."
  default     = []
}

variable "ok_actions" {
  type        = list(string)
  description = "ARNs notified when the alarm returns to OK."
  default     = []
}

variable "tags" {
  type        = map(string)
  description = "Tags of the alarm."
  default     = {}
}
