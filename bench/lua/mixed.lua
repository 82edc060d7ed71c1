-- What a fleet sends: per TV, a content revalidation (If-None-Match) and a ping,
-- half and half, for random TVs. With a pace (ms per request per connection) the
-- offered rate is about connections * 1000 / pace per second.
-- args: <file of "CODE ETAG VERSAO" lines> <pace ms, 0: as fast as possible>
local revalidations = {}
local pings = {}
local pace = 0
local counter = 0

function init(args)
  math.randomseed(thread_id * 7919)
  pace = tonumber(args[2] or "0")
  local json = {["Content-Type"] = "application/json"}
  for _, line in ipairs(read_lines(args[1])) do
    local f = split(line)
    table.insert(revalidations, wrk.format(
      "GET", "/app/tv/" .. f[1] .. "/content", {["If-None-Match"] = f[2]}))
    table.insert(pings, wrk.format("POST", "/app/tv/" .. f[1] .. "/ping", json,
      '{"versao":"' .. f[3] .. '","app_versao":"1.0.0","resolucao":"1920x1080"}'))
  end
end

function request()
  counter = counter + 1
  local n = math.random(#pings)
  if counter % 2 == 0 then
    return pings[n]
  end
  return revalidations[n]
end

function delay()
  if pace > 0 then
    -- Spread around the pace so connections do not march in step.
    local half = math.floor(pace / 2)
    return math.random(pace - half, pace + half)
  end
  return 0
end
