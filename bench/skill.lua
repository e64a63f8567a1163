-- wrk script: POST each pre-signed Alexa request once (the bridge refuses a replayed
-- requestId), then stop: wrk runs until the bodies are used up or for its -d duration.
-- Arguments: <SignatureCertChainUrl> <bodies file: signature line, body line, ...>

local requests = {}
local sent = 0

function init(args)
  local cert_url, path = args[1], args[2]
  local file = assert(io.open(path, "r"))
  while true do
    local signature = file:read("*l")
    if not signature then break end
    local body = file:read("*l")
    requests[#requests + 1] = wrk.format("POST", "/alexa/skill", {
      ["Content-Type"] = "application/json; charset=utf-8",
      ["SignatureCertChainUrl"] = cert_url,
      ["Signature-256"] = signature,
    }, body)
  end
  file:close()
end

function request()
  sent = sent + 1
  if sent >= #requests then
    wrk.thread:stop()
  end
  if sent > #requests then
    -- the loop ends within this turn; connections still asking get a harmless request
    return wrk.format("GET", "/health")
  end
  return requests[sent]
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_s": %.6f, "status_errors": %d, "socket_errors": %d, '
      .. '"p50_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "mean_ms": %.4f}\n',
    summary.requests, summary.duration / 1e6, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    latency.mean / 1000))
end
