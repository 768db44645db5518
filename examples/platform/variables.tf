variable "shard" {
  type        = string
  description = "The shard (operations account, a key of the shards file) this run plans and applies. Each shard has its own state: run in the Terraform workspace named after it (or with its own backend key)."

  validation {
    condition     = can(regex("^[a-z0-9]+([_-][a-z0-9]+)*$", var.shard))
    error_message = "shard must be lower-case letters and digits, words joined by single - or _ (a key of the shards file, e.g. ops-1)."
  }
}

variable "tenants_dir" {
  type        = string
  description = "Directory of the tenant files (one <tenant_id>.yaml per tenant). Null: tenants/ beside this configuration."
  default     = null
}

variable "shards_file" {
  type        = string
  description = "YAML file mapping each shard name to its operations account: account_id (12 digits, quoted), region, optional terraform_role_arn. Null: shards.yaml beside this configuration."
  default     = null
}

variable "max_roles_per_account" {
  type        = number
  description = "Most tenant roles one shard may hold. IAM allows 1,000 roles per account by default, adjustable through Service Quotas (IAM User Guide, \"IAM and AWS STS quotas\"); each tenant here is one role and, with application_profile, one application inference profile (Bedrock's \"Application inference profiles per account\" quota). Set it to the lower of the two quotas minus the roles the account holds for other purposes."
  default     = 1000

  validation {
    condition     = var.max_roles_per_account >= 1 && floor(var.max_roles_per_account) == var.max_roles_per_account
    error_message = "max_roles_per_account must be a whole number of at least 1."
  }
}

variable "external_ids" {
  type        = map(string)
  description = "sts:ExternalId per tenant id, for tenants whose id is supplied (e.g. migrated from elsewhere); every other tenant of the shard gets a generated one (random_password). Keep them out of files: pass them as TF_VAR_external_ids from a secret store."
  default     = {}
  sensitive   = true

  validation {
    # IAM: an external id is 2-1,224 characters of letters, digits and +=,.@:/-; 16 is our floor (guessable below).
    condition     = alltrue([for id in values(var.external_ids) : length(id) >= 16 && length(id) <= 1224 && can(regex("^[A-Za-z0-9_+=,.@:/-]+$", id))])
    error_message = "external_ids must map tenant ids to 16-1224 characters of letters, digits and _+=,.@:/- (the sts:ExternalId character set)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource (each also gets Shard = <shard>)."
  default     = { Project = "bedrock-tenants" }
}
