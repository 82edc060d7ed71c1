-- POST /app/tv/{codigo}/ping from random TVs, each with the versao it plays.
-- args: <file of "CODE ETAG VERSAO" lines>
local requests = {}

function init(args)
  math.randomseed(thread_id * 7919)
  local headers = {["Content-Type"] = "application/json"}
  for _, line in ipairs(read_lines(args[1])) do
    local f = split(line)
    local body = '{"versao":"' .. f[3] .. '","app_versao":"1.0.0","resolucao":"1920x1080"}'
    table.insert(requests, wrk.format("POST", "/app/tv/" .. f[1] .. "/ping", headers, body))
  end
end

function request()
  return requests[math.random(#requests)]
end
