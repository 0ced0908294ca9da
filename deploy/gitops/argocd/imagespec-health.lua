-- Argo CD health check for imagespec.dev/ImageSpec (resource.customizations.health.imagespec.dev_ImageSpec).
-- Reads the status the imagespec aggregator writes: status.observedGeneration and the conditions
-- Ready, Progressing and Degraded. First match wins:
--   1. being deleted (deletionTimestamp)                   -> Progressing (the finalizer waits for
--                                                             the agents to remove the images)
--   2. no status yet, or observedGeneration != generation  -> Progressing
--   3. Degraded True                                       -> Degraded, with its message
--   4. Ready True                                          -> Healthy
--   5. Ready False with reason NoMatchingNodes             -> Suspended (no node selected: nothing
--                                                             to do until one joins)
--   6. anything else (Progressing True, Ready False)       -> Progressing
-- Keep deploy/gitops/argocd/argocd-cm-patch.yaml identical (ArgoHealthCheckTest checks it).
local hs = { status = "Progressing", message = "Waiting for the imagespec aggregator's status" }

local function condition(conditions, type)
  if conditions == nil then
    return nil
  end
  for _, c in ipairs(conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function text(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  if c ~= nil and c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.message = "Being deleted: waiting for the nodes' agents to remove the images"
  return hs
end

local status = obj.status
if status == nil or status.observedGeneration == nil then
  return hs
end
local generation = obj.metadata and obj.metadata.generation
if generation ~= nil and status.observedGeneration ~= generation then
  hs.message = string.format("Generation %d not observed yet (the status is of generation %d)",
    generation, status.observedGeneration)
  return hs
end

local conditions = status.conditions
local degraded = condition(conditions, "Degraded")
local ready = condition(conditions, "Ready")
local progressing = condition(conditions, "Progressing")

if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = text(degraded, "Degraded")
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = text(ready, "Ready")
  return hs
end
if ready ~= nil and ready.status == "False" and ready.reason == "NoMatchingNodes" then
  hs.status = "Suspended"
  hs.message = text(ready, "No node matches nodeSelector")
  return hs
end
if progressing ~= nil and progressing.status == "True" then
  hs.message = text(progressing, "Progressing")
  return hs
end
hs.message = text(ready, hs.message)
return hs
