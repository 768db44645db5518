# The tenant's guardrail and the statements that make it, and SigV4, the only way in.
#
# Both Bedrock policies of the role (bedrock-invoke and bedrock-invoke-application-profile)
# start with local.guard_statements, so the denies hold whichever way the tenant reaches
# Bedrock. The guardrail's plan-time rules are preconditions of the role (main.tf).

locals {
  guardrail        = var.guardrail
  create_guardrail = try(local.guardrail.create, null) != null
  # An existing guardrail's ARN, or the one this module creates (known after apply;
  # tests override these locals to render the policy at plan).
  guardrail_arn     = local.guardrail == null ? null : (local.create_guardrail ? one(aws_bedrock_guardrail.this[*].guardrail_arn) : local.guardrail.arn)
  guardrail_version = local.guardrail == null ? null : (local.create_guardrail ? one(aws_bedrock_guardrail_version.this[*].version) : local.guardrail.version)
  # bedrock:GuardrailIdentifier is the guardrail ARN and its version joined by ":"
  # (Bedrock user guide, "Enforce the use of specific guardrails in model inference
  # requests": "arn:aws:bedrock:us-east-1:123456789012:guardrail/guardrail-id:1").
  guardrail_identifier = local.guardrail == null ? null : "${local.guardrail_arn}:${local.guardrail_version}"
  # During a changeover the Deny also accepts the versions callers still send (the guide's
  # example lists several ARN:version values), so an edit cuts no tenant off before it re-applies.
  accepted_guardrail_identifiers = local.guardrail == null ? [] : concat(
    [local.guardrail_identifier],
    [for version in local.guardrail.previous_versions : "${local.guardrail_arn}:${version}"],
  )
  # With a guardrail profile, Bedrock applies the guardrail in the profile's destination Regions and
  # needs bedrock:ApplyGuardrail on the profile there ("Permissions for using cross-Region inference
  # with Amazon Bedrock Guardrails": arn:aws:bedrock:<region>:<account>:guardrail-profile/<id>).
  guardrail_profile_arns = try(local.guardrail.profile, null) == null ? [] : [
    for region in local.guardrail.profile.destination_regions :
    "arn:${local.partition}:bedrock:${region}:${local.account_id}:guardrail-profile/${local.guardrail.profile.id}"
  ]
  # The profile as a created guardrail names it: in the guardrail's (the provider's) Region.
  guardrail_profile_source_arn = try(local.guardrail.profile, null) == null ? null : "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:guardrail-profile/${local.guardrail.profile.id}"
  # Bedrock CreateGuardrail: name is 1-50 characters. role_name + "-guardrail" when it fits; else
  # the role name cut to 41 and 8 hex characters of its hash, so every tenant_id (1-39) fits and
  # two roles of one tenant (other role_name_prefix) still get distinct names.
  guardrail_name = (length(local.role_name) <= 40 ? "${local.role_name}-guardrail"
  : "${substr(local.role_name, 0, 41)}-${substr(sha1(local.role_name), 0, 8)}")
  invoke_actions = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
}

# The statements that start both Bedrock policies of the role (main.tf).
locals {
  guard_statements = concat(
    # Bedrock API keys are bearer tokens: a short-term key is minted from this role's
    # session and keeps working without SigV4, and each endpoint has its own action, so
    # both are denied (Bedrock user guide, "Control permissions for generating and using
    # Amazon Bedrock API keys": bedrock:CallWithBearerToken, bedrock-mantle:CallWithBearerToken).
    [{
      Sid      = "DenyBedrockApiKeys"
      Effect   = "Deny"
      Action   = ["bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken"]
      Resource = ["*"]
    }],
    # Naming a guardrail in an inference call needs bedrock:ApplyGuardrail on it
    # (Bedrock user guide, "Set up permissions to use Amazon Bedrock Guardrails"), and on
    # its guardrail profile in each destination Region when it uses one.
    local.guardrail == null ? [] : [{
      Sid      = "ApplyTheTenantsGuardrail"
      Effect   = "Allow"
      Action   = ["bedrock:ApplyGuardrail"]
      Resource = concat([local.guardrail_arn], local.guardrail_profile_arns)
    }],
    # The user guide's example 1 ("Enforce the use of specific guardrails"): an explicit
    # Deny of every invocation whose bedrock:GuardrailIdentifier is not this guardrail
    # and version (or a version of previous_versions, during a changeover); StringNotEquals
    # also matches a request without the key (no guardrail), and a Deny wins over any Allow,
    # so a tenant cannot drop it from its environment. What the guardrail assesses on input
    # the caller can still narrow (input tags); README, "What a guardrail enforces".
    local.guardrail == null ? [] : [{
      Sid       = "DenyInvocationsWithoutTheTenantsGuardrail"
      Effect    = "Deny"
      Action    = local.invoke_actions
      Resource  = ["*"]
      Condition = { StringNotEquals = { "bedrock:GuardrailIdentifier" = local.accepted_guardrail_identifiers } }
    }],
  )
}

resource "aws_bedrock_guardrail" "this" {
  count = local.create_guardrail ? 1 : 0

  name                      = local.guardrail_name
  description               = "Guardrail of tenant ${var.tenant_id}"
  blocked_input_messaging   = local.guardrail.create.blocked_input_message
  blocked_outputs_messaging = local.guardrail.create.blocked_output_message
  tags                      = local.tags

  dynamic "cross_region_config" {
    for_each = local.guardrail_profile_source_arn == null ? [] : [1]
    content {
      guardrail_profile_identifier = local.guardrail_profile_source_arn
    }
  }

  dynamic "topic_policy_config" {
    for_each = length(local.guardrail.create.denied_topics) > 0 ? [1] : []
    content {
      # Bedrock user guide, "Safeguard tiers for guardrails policies": content filters and
      # denied topics take a tier; null leaves Bedrock's default (Classic).
      tier_config = local.guardrail.create.tier == null ? null : [{ tier_name = local.guardrail.create.tier }]

      dynamic "topics_config" {
        for_each = local.guardrail.create.denied_topics
        content {
          name       = topics_config.value.name
          definition = topics_config.value.definition
          examples   = topics_config.value.examples
          type       = "DENY"
        }
      }
    }
  }

  dynamic "content_policy_config" {
    for_each = length(local.guardrail.create.content_filters) > 0 ? [1] : []
    content {
      tier_config = local.guardrail.create.tier == null ? null : [{ tier_name = local.guardrail.create.tier }]
      dynamic "filters_config" {
        for_each = local.guardrail.create.content_filters
        content {
          type           = filters_config.key
          input_strength = filters_config.value
          # Bedrock refuses an output strength other than NONE for PROMPT_ATTACK, which
          # applies to prompts only (Bedrock user guide, "Detect prompt attacks").
          output_strength = filters_config.key == "PROMPT_ATTACK" ? "NONE" : filters_config.value
        }
      }
    }
  }

  dynamic "word_policy_config" {
    for_each = length(local.guardrail.create.denied_words) > 0 ? [1] : []
    content {
      dynamic "words_config" {
        for_each = local.guardrail.create.denied_words
        content {
          text = words_config.value
        }
      }
    }
  }

  dynamic "sensitive_information_policy_config" {
    for_each = length(local.guardrail.create.pii_entities) > 0 ? [1] : []
    content {
      dynamic "pii_entities_config" {
        for_each = local.guardrail.create.pii_entities
        content {
          type   = pii_entities_config.key
          action = pii_entities_config.value
        }
      }
    }
  }

  lifecycle {
    precondition {
      # Bedrock CreateGuardrail: name is 1-50 characters of [0-9a-zA-Z-_]; the length always fits
      # (guardrail_name), the characters come from role_name_prefix.
      condition     = length(local.guardrail_name) <= 50 && can(regex("^[0-9a-zA-Z_-]+$", local.guardrail_name))
      error_message = "The guardrail name \"${local.guardrail_name}\" (from role_name_prefix + tenant_id) must be letters, digits, - and _ (Bedrock CreateGuardrail); use a role_name_prefix of those characters, or pass an existing guardrail.arn."
    }
  }
}

# A numbered, immutable version: the DRAFT changes with every update, so only a
# version pins what the IAM condition enforces.
resource "aws_bedrock_guardrail_version" "this" {
  count = local.create_guardrail ? 1 : 0

  guardrail_arn = aws_bedrock_guardrail.this[0].guardrail_arn
  description   = "Enforced for tenant ${var.tenant_id} by its operations role"
  # An edit replaces this resource; the version it replaces stays in Bedrock (the provider
  # deletes a version on destroy unless skip_destroy), because the customer's function, in
  # another account and state, keeps sending it until it re-applies. With skip_destroy the
  # destroy half of the replacement is a no-op, so its order against the create does not matter.
  skip_destroy = true

  lifecycle {
    # A changed guardrail gets a new version, which the role's condition then names.
    replace_triggered_by = [aws_bedrock_guardrail.this[0]]
  }
}
