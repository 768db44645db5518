data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

# Partition-correct service principals: CloudWatch Logs uses the partition's DNS
# suffix in aws-cn (logs.<region>.amazonaws.com.cn), Lambda uses amazonaws.com
# everywhere. The provider's table follows the AWS CDK's region-info.
data "aws_service_principal" "logs" {
  service_name = "logs"
}

data "aws_service_principal" "lambda" {
  service_name = "lambda"
}

# bedrock_region must exist in the provider's partition: the precondition refuses
# another partition's Region, and reading it from the provider's (offline) Region
# table refuses one that does not exist (us-east-9), naming it in this address.
data "aws_region" "bedrock_region" { # bedrock_region must be a Region that exists in the provider's partition
  region = var.bedrock_region

  lifecycle {
    precondition {
      condition     = can(regex(lookup(local.region_patterns, local.partition, "^$"), var.bedrock_region))
      error_message = "bedrock_region: ${var.bedrock_region} is not a Region of the provider's partition (${local.partition})."
    }
  }
}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region
  account_id = data.aws_caller_identity.current.account_id
  dns_suffix = data.aws_partition.current.dns_suffix
  tags       = merge(var.tags, { TenantId = var.tenant_id })

  # Region names per partition, as the AWS provider's Region table defines them.
  region_patterns = {
    aws        = "^(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-[0-9]+$"
    aws-cn     = "^cn-[a-z]+-[0-9]+$"
    aws-us-gov = "^us-gov-[a-z]+-[0-9]+$"
  }

  function_name             = coalesce(var.function_name, "bedrock-tenant-${var.tenant_id}")
  invocation_log_group_name = coalesce(var.invocation_log_group_name, "/bedrock-tenant/${var.tenant_id}/invocations")
  function_log_group_name   = "/aws/lambda/${local.function_name}"
  # lambda_log_pipeline: the runtime prints each record and Lambda's own log
  # pipeline delivers the function's output to the invocation log group, so the
  # function writes no log group of its own (see record_delivery). The function's
  # log group is kept all the same: it may hold records from before a switch of
  # record_delivery (put_log_events prints a record there as the last resort), and
  # no input change may delete a log group that holds records.
  log_pipeline = var.record_delivery == "lambda_log_pipeline"
  # Built from names (not resource attributes) so the key policy can name the
  # log groups before they exist, and plans show them.
  log_group_arns = {
    for key, name in { invocations = local.invocation_log_group_name, function = local.function_log_group_name } :
    key => "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${name}"
  }
  # The log groups the function writes (with the execution role).
  written_log_group_arns = local.log_pipeline ? [local.log_group_arns.invocations] : values(local.log_group_arns)

  create_key  = var.kms_key_arn == null
  kms_key_arn = local.create_key ? aws_kms_key.this[0].arn : var.kms_key_arn
  # Also built from names, so policies that name them are known at plan, and the
  # operations role's trust policy can name the execution role before it exists.
  execution_role_name   = "${local.function_name}-execution"
  execution_role_arn    = "arn:${local.partition}:iam::${local.account_id}:role/${local.execution_role_name}"
  function_arn          = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${local.function_name}"
  dead_letter_queue_arn = var.create_dead_letter_queue ? "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${local.function_name}-dlq" : null

  source_dir    = coalesce(var.source_dir, "${path.module}/../../python/src")
  artifacts_dir = coalesce(var.artifacts_dir, "${path.root}/builds")
  # The package's files, excluding bytecode and anything else not shipped.
  code_files = sort(setunion(
    fileset(local.source_dir, "bedrock_tenant/**/*.py"),
    fileset(local.source_dir, "bedrock_tenant/py.typed"),
    fileset(local.source_dir, "bedrock_tenant/data/*"), # the price table and the saved queries
  ))

  # ARNs the module is given, by what they must share with it: the partition, and
  # for Regional resources the function's Region.
  arn_inputs = merge(
    { operations_role_arn = var.operations_role_arn },
    var.inference_profile_arn == null ? {} : { inference_profile_arn = var.inference_profile_arn },
    var.kms_key_arn == null ? {} : { kms_key_arn = var.kms_key_arn },
    var.code_signing_config_arn == null ? {} : { code_signing_config_arn = var.code_signing_config_arn },
    var.permissions_boundary_arn == null ? {} : { permissions_boundary_arn = var.permissions_boundary_arn },
    { for i, arn in var.layer_arns : "layer_arns[${i}]" => arn },
    { for i, arn in var.alarm_actions : "alarm_actions[${i}]" => arn },
    { for i, arn in var.ok_actions : "ok_actions[${i}]" => arn },
  )
  foreign_partition_inputs = sort([for name, arn in local.arn_inputs : name if split(":", arn)[1] != local.partition])
  # A KMS key, layers and a code-signing configuration must be in the function's
  # Region (CloudWatch Logs, Lambda and SQS use keys of their own Region; Lambda
  # layers and code-signing configurations are Regional).
  regional_inputs = {
    for name, arn in local.arn_inputs : name => split(":", arn)[3]
    if name == "kms_key_arn" || name == "code_signing_config_arn" || startswith(name, "layer_arns[")
  }
  foreign_region_inputs = sort([for name, region in local.regional_inputs : "${name} (${region})" if region != local.region])

  environment = merge(
    {
      BEDROCK_TENANT_ID                       = var.tenant_id
      BEDROCK_TENANT_OPERATIONS_ROLE_ARN      = var.operations_role_arn
      BEDROCK_TENANT_EXTERNAL_ID              = var.external_id
      BEDROCK_TENANT_MODEL_ID                 = var.model_id
      BEDROCK_TENANT_BEDROCK_REGION           = data.aws_region.bedrock_region.region
      BEDROCK_TENANT_LOG_GROUP                = local.invocation_log_group_name
      BEDROCK_TENANT_SINK                     = local.log_pipeline ? "stdout" : "cloudwatch"
      BEDROCK_TENANT_CONTENT_POLICY           = var.content_policy
      BEDROCK_TENANT_METRIC_NAMESPACE         = var.metric_namespace
      BEDROCK_TENANT_MAX_TOKENS               = tostring(var.max_tokens)
      BEDROCK_TENANT_SESSION_DURATION_SECONDS = tostring(var.session_duration_seconds)
    },
    var.inference_profile_arn == null ? {} : { BEDROCK_TENANT_INFERENCE_PROFILE_ARN = var.inference_profile_arn },
    var.source_identity == null ? {} : { BEDROCK_TENANT_SOURCE_IDENTITY = var.source_identity },
    # The guardrail the operations role requires (its bedrock:GuardrailIdentifier condition).
    var.guardrail_arn == null ? {} : {
      BEDROCK_TENANT_GUARDRAIL_IDENTIFIER = var.guardrail_arn
      BEDROCK_TENANT_GUARDRAIL_VERSION    = var.guardrail_version
      BEDROCK_TENANT_GUARDRAIL_TRACE      = var.guardrail_trace ? "enabled" : "disabled"
    },
    # Relative to the working directory, which Lambda sets to the task root where the code zip is unpacked.
    var.price_table == null ? {} : { BEDROCK_TENANT_PRICE_TABLE = local.price_table_file },
    length(var.session_tags) == 0 ? {} : { BEDROCK_TENANT_SESSION_TAGS = jsonencode(var.session_tags) },
  )
}

# --- encryption -------------------------------------------------------------------------

# The account-root statement delegates the key to IAM, so the execution role's
# use of it is governed (and conditioned) by its IAM policy below; the key policy
# itself names no role, so it never waits for one to exist.
data "aws_iam_policy_document" "key" {
  count = local.create_key ? 1 : 0

  statement {
    sid       = "AccountAdministration"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudWatch Logs user guide, "Encrypt log data in CloudWatch Logs using AWS
  # KMS": the Regional Logs principal, limited to these log groups by the
  # kms:EncryptionContext:aws:logs:arn context it passes.
  statement {
    sid       = "CloudWatchLogsForTheseLogGroupsOnly"
    effect    = "Allow"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.${data.aws_service_principal.logs.suffix}"]
    }

    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = concat(values(local.log_group_arns), local.findings_log_group_arns)
    }
  }
}

resource "aws_kms_key" "this" {
  count = local.create_key ? 1 : 0

  description             = "Encrypts tenant ${var.tenant_id}'s Bedrock invocation logs, function logs, environment and dead-letter queue."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key[0].json
  tags                    = local.tags
}

resource "aws_kms_alias" "this" {
  count = local.create_key ? 1 : 0

  name          = "alias/${local.function_name}"
  target_key_id = aws_kms_key.this[0].key_id
}

# --- log groups ---------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "invocations" {
  name              = local.invocation_log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn
  # Explicitly Standard, which "supports all CloudWatch Logs features"; Infrequent Access
  # supports a subset and the class cannot change after creation (CreateLogGroup API
  # reference, logGroupClass). The metrics, alarms and dashboard need the records'
  # embedded metric format extracted (Standard only, CloudWatch Logs user guide, "Log
  # classes"), and readers of masked records need the Logs Insights unmask command
  # ("Logs Insights QL commands supported in log classes": not in Infrequent Access).
  log_group_class = "STANDARD"
  tags            = local.tags

  lifecycle {
    precondition {
      # One log group holding both would mix the records with the function's own
      # logs and give the callback write access to Lambda's stream names.
      condition     = local.invocation_log_group_name != local.function_log_group_name
      error_message = "invocation_log_group_name must differ from the function's own log group (${local.function_log_group_name})."
    }
    precondition {
      condition     = length(local.foreign_partition_inputs) == 0
      error_message = "These inputs are ARNs of another partition than the provider's (${local.partition}): ${join(", ", local.foreign_partition_inputs)}."
    }
    precondition {
      condition     = length(local.foreign_region_inputs) == 0
      error_message = "These inputs must be in the function's Region (${local.region}): ${join(", ", local.foreign_region_inputs)}."
    }
  }
}

resource "aws_cloudwatch_log_group" "function" {
  name              = local.function_log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn
  tags              = local.tags
}

# An earlier version created this group only with record_delivery = "put_log_events".
moved {
  from = aws_cloudwatch_log_group.function[0]
  to   = aws_cloudwatch_log_group.function
}

# --- execution role -----------------------------------------------------------------------

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = [data.aws_service_principal.lambda.name]
    }
  }
}

data "aws_iam_policy_document" "execution" {
  # STS authorises SourceIdentity and session tags as actions of their own, in the
  # caller's identity policy as well as in the role's trust policy: an AssumeRole that
  # sets a source identity needs sts:SetSourceIdentity, one that passes tags needs
  # sts:TagSession (IAM user guide, "Passing session tags in AWS STS", "Permissions
  # required to tag sessions"; "Monitor and control actions taken with assumed roles",
  # sts:SetSourceIdentity). Without them every AssumeRole is refused.
  statement {
    sid    = "AssumeTheTenantOperationsRole"
    effect = "Allow"
    actions = concat(
      ["sts:AssumeRole"],
      var.source_identity == null ? [] : ["sts:SetSourceIdentity"],
      length(var.session_tags) == 0 ? [] : ["sts:TagSession"],
    )
    resources = [var.operations_role_arn]
  }

  # put_log_events: the runtime writes the records to the invocation log group and
  # Lambda writes the function's output to its own. lambda_log_pipeline: Lambda
  # writes both to the invocation log group, with this role ("Sending Lambda
  # function logs to CloudWatch Logs": the execution role needs
  # logs:CreateLogStream and logs:PutLogEvents on the group).
  statement {
    sid       = "WriteOwnLogGroups"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [for arn in local.written_log_group_arns : "${arn}:*"]
  }

  # Lambda encrypts the environment with the encryption context
  # aws:lambda:FunctionArn = the function's ARN (Lambda developer guide, "Securing
  # environment variables"); nothing else may be decrypted with the key this way.
  statement {
    sid       = "DecryptOwnEnvironment"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = [local.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:lambda:FunctionArn"
      values   = [local.function_arn]
    }
  }

  # Lambda sends failed asynchronous events to the queue with the execution role;
  # a producer of an encrypted queue needs kms:GenerateDataKey and kms:Decrypt
  # (SQS developer guide, "Amazon SQS key management"), and only through SQS in
  # this Region (kms:ViaService).
  dynamic "statement" {
    for_each = var.create_dead_letter_queue ? [1] : []
    content {
      sid       = "SendToOwnDeadLetterQueue"
      effect    = "Allow"
      actions   = ["sqs:SendMessage"]
      resources = [local.dead_letter_queue_arn]
    }
  }

  dynamic "statement" {
    for_each = var.create_dead_letter_queue ? [1] : []
    content {
      sid       = "EncryptDeadLettersThroughSqsOnly"
      effect    = "Allow"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [local.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sqs.${local.region}.${local.dns_suffix}"]
      }
    }
  }

  # An SQS event-source mapping polls with the execution role: Lambda needs sqs:ReceiveMessage,
  # sqs:DeleteMessage and sqs:GetQueueAttributes on the queue (Lambda developer guide, "Using
  # Lambda with Amazon SQS", execution role permissions), and kms:Decrypt on a customer managed
  # key that encrypts it (SQS developer guide, "Amazon SQS key management": a consumer needs
  # kms:Decrypt), through SQS only.
  dynamic "statement" {
    for_each = var.sqs_event_source == null ? [] : [1]
    content {
      sid       = "ReceiveFromTheRequestQueue"
      effect    = "Allow"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [var.sqs_event_source.queue_arn]
    }
  }

  dynamic "statement" {
    for_each = try(var.sqs_event_source.kms_key_arn, null) == null ? [] : [1]
    content {
      sid       = "DecryptTheRequestQueueThroughSqsOnly"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = [var.sqs_event_source.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sqs.${split(":", var.sqs_event_source.queue_arn)[3]}.${local.dns_suffix}"]
      }
    }
  }

  statement {
    # X-Ray's write actions support no resource-level permissions.
    sid       = "WriteTraces"
    effect    = "Allow"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role" "this" {
  name                 = local.execution_role_name
  description          = "Execution role of ${local.function_name}: assumes only the tenant's operations role and writes only its own log groups."
  assume_role_policy   = data.aws_iam_policy_document.lambda_trust.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = local.tags

  lifecycle {
    precondition {
      # IAM and STS quotas: role names are at most 64 characters.
      condition     = length(local.execution_role_name) <= 64
      error_message = "The execution role name \"${local.execution_role_name}\" (function_name + \"-execution\") is ${length(local.execution_role_name)} characters; IAM allows 64: shorten function_name."
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "bedrock-tenant-invoker"
  role   = aws_iam_role.this.name
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role_policy_attachment" "vpc" {
  count = var.vpc_config == null ? 0 : 1

  role       = aws_iam_role.this.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

# --- dead-letter queue --------------------------------------------------------------------

# Holds the raw payload of every asynchronous invocation that failed: the prompt,
# whatever content_policy says. Short retention by default; optional.
resource "aws_sqs_queue" "dead_letter" {
  count = var.create_dead_letter_queue ? 1 : 0

  name                      = "${local.function_name}-dlq"
  kms_master_key_id         = local.kms_key_arn
  message_retention_seconds = var.dead_letter_queue_retention_seconds
  tags                      = local.tags
}

# --- code and dependencies ----------------------------------------------------------------

# Zipped from the package's files in sorted order with zeroed timestamps, so the
# hash only changes when the code does.
data "archive_file" "code" {
  type        = "zip"
  output_path = "${local.artifacts_dir}/${local.function_name}-code.zip"

  dynamic "source" {
    for_each = local.code_files
    content {
      content  = file("${local.source_dir}/${source.value}")
      filename = source.value
    }
  }

  dynamic "source" {
    for_each = var.price_table == null ? [] : [var.price_table]
    content {
      content  = source.value
      filename = local.price_table_file
    }
  }

  lifecycle {
    # Checked before the archive is read, so a missing package is reported here
    # rather than as the archive provider's own error about empty sources.
    precondition {
      condition     = contains(local.code_files, "bedrock_tenant/handler.py")
      error_message = "source_dir (${local.source_dir}) holds no bedrock_tenant package (bedrock_tenant/handler.py). Set source_dir to the python/src directory of this repository, or reference the module as <repository>//modules/customer-invoker so python/src comes with it: the default, ../../python/src from the module, does not exist when Terraform installs the module directory alone (an absolute or registry source)."
    }
  }
}

resource "aws_lambda_layer_version" "dependencies" {
  count = var.dependencies_zip_path == null ? 0 : 1

  layer_name               = "${local.function_name}-dependencies"
  description              = "bedrock_tenant dependencies (langchain-aws, boto3, pydantic) for ${var.runtime} ${var.architecture}"
  filename                 = var.dependencies_zip_path
  source_code_hash         = filebase64sha256(var.dependencies_zip_path)
  compatible_runtimes      = [var.runtime]
  compatible_architectures = [var.architecture]
}

# --- function -----------------------------------------------------------------------------

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_117:The function calls only public AWS endpoints (STS, Bedrock, CloudWatch Logs); VPC placement is available through var.vpc_config and needs NAT or VPC endpoints the caller owns.
  # checkov:skip=CKV_AWS_272:The code is zipped by Terraform from this repository at plan time; signing needs an AWS Signer profile, which callers enforce through var.code_signing_config_arn.
  # checkov:skip=CKV_AWS_115:Unreserved by default on purpose: Lambda keeps 100 of the account's concurrency unreserved and new accounts may have a quota of 10, so any reservation fails at apply there; callers cap a tenant with var.reserved_concurrent_executions.
  function_name                  = local.function_name
  description                    = "Invokes Bedrock for tenant ${var.tenant_id} through its operations-account role; logs each call in this account."
  role                           = aws_iam_role.this.arn
  runtime                        = var.runtime
  architectures                  = [var.architecture]
  handler                        = "bedrock_tenant.handler.lambda_handler"
  filename                       = data.archive_file.code.output_path
  source_code_hash               = data.archive_file.code.output_base64sha256
  layers                         = concat(aws_lambda_layer_version.dependencies[*].arn, var.layer_arns)
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = coalesce(var.reserved_concurrent_executions, -1)
  kms_key_arn                    = local.kms_key_arn
  code_signing_config_arn        = var.code_signing_config_arn
  tags                           = local.tags

  environment {
    variables = local.environment
  }

  # SnapStart applies only to published versions (Lambda developer guide,
  # "Improving startup performance with Lambda SnapStart"): each change publishes
  # one, and the `live` alias below follows it.
  publish = var.snap_start

  dynamic "snap_start" {
    for_each = var.snap_start ? [1] : []
    content {
      apply_on = "PublishedVersions"
    }
  }

  logging_config {
    log_format = "JSON"
    # lambda_log_pipeline: records, Lambda's platform lines and the runtime's own
    # warnings share the invocation log group; the records carry schema_version,
    # platform lines carry "type" (platform.*) and application logs "level".
    log_group             = local.log_pipeline ? aws_cloudwatch_log_group.invocations.name : aws_cloudwatch_log_group.function.name
    application_log_level = var.application_log_level
    # INFO keeps Lambda's START, END and REPORT lines (duration, memory); WARN
    # drops them (Lambda developer guide, "Log-level filtering").
    system_log_level = var.system_log_level
  }

  dynamic "dead_letter_config" {
    for_each = var.create_dead_letter_queue ? [local.dead_letter_queue_arn] : []
    content {
      target_arn = dead_letter_config.value
    }
  }

  tracing_config {
    mode = "Active"
  }

  dynamic "vpc_config" {
    for_each = var.vpc_config == null ? [] : [var.vpc_config]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  depends_on = [
    aws_iam_role_policy.this,
    aws_iam_role_policy_attachment.vpc,
    aws_sqs_queue.dead_letter,
  ]

  lifecycle {
    precondition {
      # STS AssumeRole API reference: ExternalId is 2-1224 characters of [\w+=,.@:/-]; a short
      # one is guessable. Sensitive: the message never shows the value.
      condition     = length(var.external_id) >= 16 && length(var.external_id) <= 1224 && can(regex("^[A-Za-z0-9_+=,.@:/-]+$", var.external_id))
      error_message = "external_id must be 16-1224 characters of letters, digits and _+=,.@:/- (a short external id is guessable)."
    }
    precondition {
      # Lambda gives stdout lines without a "level" key the level INFO, and drops them
      # when application_log_level is above INFO (Lambda developer guide,
      # "Log-level filtering"): the records would be lost.
      condition     = !local.log_pipeline || contains(["TRACE", "DEBUG", "INFO"], var.application_log_level)
      error_message = "record_delivery = \"lambda_log_pipeline\" needs application_log_level TRACE, DEBUG or INFO (it is ${var.application_log_level}): Lambda treats each record line as INFO and would drop it."
    }
    precondition {
      # Lambda developer guide, "Improving startup performance with Lambda SnapStart",
      # Supported Regions: every commercial Region except Asia Pacific (New Zealand)
      # and Asia Pacific (Taipei).
      condition     = !var.snap_start || !contains(["ap-southeast-6", "ap-east-2"], local.region)
      error_message = "snap_start: Lambda SnapStart is not available in ${local.region} (Lambda developer guide, \"Improving startup performance with Lambda SnapStart\", Supported Regions); set snap_start = false there."
    }
    precondition {
      condition     = var.dependencies_zip_path != null || length(var.layer_arns) > 0
      error_message = "The function needs its dependencies: set dependencies_zip_path (build it with `make layer`) or layer_arns."
    }
    precondition {
      condition = (
        var.inference_profile_arn == null ? true :
        split(":", var.inference_profile_arn)[3] == var.bedrock_region
        && split(":", var.inference_profile_arn)[4] == split(":", var.operations_role_arn)[4]
      )
      error_message = "inference_profile_arn must be a profile in bedrock_region (${var.bedrock_region}) of the operations role's account (${split(":", var.operations_role_arn)[4]}): the function calls Bedrock there with that role's credentials."
    }
    precondition {
      # Converse names a guardrail of the caller's account in the Region it calls.
      condition = (
        (var.guardrail_arn == null) == (var.guardrail_version == null)
        && (var.guardrail_arn == null ? true :
          split(":", var.guardrail_arn)[3] == var.bedrock_region
          && split(":", var.guardrail_arn)[4] == split(":", var.operations_role_arn)[4]
        )
      )
      error_message = "guardrail_arn and guardrail_version must be set together (the operations-role module's outputs), and the guardrail must be in bedrock_region (${var.bedrock_region}) of the operations role's account (${split(":", var.operations_role_arn)[4]})."
    }
  }
}

# The alias callers invoke and the dashboard reads with snap_start: the unqualified
# function ($LATEST) runs without SnapStart.
resource "aws_lambda_alias" "live" {
  count = var.snap_start ? 1 : 0

  name             = "live"
  description      = "The published version of ${local.function_name} that callers invoke (SnapStart)."
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}

# Requests from an SQS queue: the runtime answers a batch with batchItemFailures, so only
# the failed messages return to the queue (Lambda developer guide, "Handling errors for an
# SQS event source", ReportBatchItemFailures). With snap_start the mapping invokes the alias,
# the published version SnapStart restores.
resource "aws_lambda_event_source_mapping" "sqs" {
  count = var.sqs_event_source == null ? 0 : 1

  event_source_arn                   = var.sqs_event_source.queue_arn
  function_name                      = var.snap_start ? aws_lambda_alias.live[0].arn : aws_lambda_function.this.arn
  batch_size                         = var.sqs_event_source.batch_size
  maximum_batching_window_in_seconds = var.sqs_event_source.maximum_batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]
  tags                               = local.tags

  # The role must be able to read the queue before Lambda validates the mapping.
  depends_on = [aws_iam_role_policy.this]
}

# --- monitoring ---------------------------------------------------------------------------

locals {
  # The records' EMF dimensions.
  metric_dimensions = { tenant_id = var.tenant_id, model_id = var.model_id }
  # Lambda's metrics of what callers invoke: the alias ("Resource" = function:alias,
  # Lambda developer guide, "Types of metrics for Lambda functions") with snap_start.
  function_dimensions = concat(["FunctionName", local.function_name], var.snap_start ? ["Resource", "${local.function_name}:live"] : [])
  emf_metric = {
    for name in ["input_tokens", "output_tokens", "latency_ms", "errors", "throttles", "invocations", "estimated_cost_usd"] :
    name => [var.metric_namespace, name, "tenant_id", var.tenant_id, "model_id", var.model_id]
  }
  dashboard_widgets = [
    {
      title   = "Tokens"
      metrics = [concat(local.emf_metric.input_tokens, [{ stat = "Sum", label = "input" }]), concat(local.emf_metric.output_tokens, [{ stat = "Sum", label = "output" }])]
    },
    {
      # Beside the tokens (same row). An estimate from the runtime's price table, not a bill.
      title   = "Estimated cost (USD)"
      metrics = [concat(local.emf_metric.estimated_cost_usd, [{ stat = "Sum", label = "estimated cost" }])]
    },
    {
      title   = "Latency (ms)"
      metrics = [concat(local.emf_metric.latency_ms, [{ stat = "p50", label = "p50" }]), concat(local.emf_metric.latency_ms, [{ stat = "p95", label = "p95" }])]
    },
    {
      title   = "Model calls, errors and throttles"
      metrics = [for name in ["invocations", "errors", "throttles"] : concat(local.emf_metric[name], [{ stat = "Sum", label = name }])]
    },
    {
      title   = "Function invocations, errors and throttles"
      metrics = [for name in ["Invocations", "Errors", "Throttles"] : concat(["AWS/Lambda", name], local.function_dimensions, [{ stat = "Sum", label = name }])]
    },
  ]
}

locals {
  # With a guardrail, records carry the guardrail_interventions metric (0 or 1 per call).
  guardrail_widgets = var.guardrail_arn == null ? [] : [
    {
      title   = "Guardrail interventions"
      metrics = [[var.metric_namespace, "guardrail_interventions", "tenant_id", var.tenant_id, "model_id", var.model_id, { stat = "Sum", label = "interventions" }]]
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  count = var.create_dashboard ? 1 : 0

  dashboard_name = local.function_name
  dashboard_body = jsonencode({
    widgets = [
      for index, widget in concat(local.dashboard_widgets, local.guardrail_widgets) : {
        type   = "metric"
        x      = (index % 2) * 12
        y      = floor(index / 2) * 6
        width  = 12
        height = 6
        properties = {
          title   = widget.title
          region  = local.region
          view    = "timeSeries"
          stacked = false
          period  = var.alarm_period_seconds
          metrics = widget.metrics
        }
      }
    ]
  })
}

resource "aws_cloudwatch_metric_alarm" "model" {
  for_each = {
    errors = {
      threshold   = var.error_alarm_threshold
      description = "Bedrock calls of tenant ${var.tenant_id} failed (from the invocation records)."
    }
    throttles = {
      threshold   = var.throttle_alarm_threshold
      description = "Bedrock throttled tenant ${var.tenant_id}'s calls (from the invocation records): the operations account's quota is exhausted."
    }
  }

  alarm_name          = "${local.function_name}-model-${each.key}"
  alarm_description   = each.value.description
  namespace           = var.metric_namespace
  metric_name         = each.key
  dimensions          = local.metric_dimensions
  statistic           = "Sum"
  period              = var.alarm_period_seconds
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.ok_actions
  tags                = local.tags
}
