-- GET /anuncios?limit=50 as síndicos (each token a síndico's session).
-- args: <file of access tokens, one per line>
local requests = {}

function init(args)
  math.randomseed(thread_id * 7919)
  for _, token in ipairs(read_lines(args[1])) do
    table.insert(requests, wrk.format(
      "GET", "/anuncios?limit=50", {["Authorization"] = "Bearer " .. token}))
  end
end

function request()
  return requests[math.random(#requests)]
end
