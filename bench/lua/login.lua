-- POST /auth/login as random síndicos (right password: a successful sign-in).
-- args: <file of e-mails, one per line> <password>
local requests = {}

function init(args)
  math.randomseed(thread_id * 7919)
  local headers = {["Content-Type"] = "application/json"}
  for _, email in ipairs(read_lines(args[1])) do
    table.insert(requests, wrk.format("POST", "/auth/login", headers,
      '{"email":"' .. email .. '","senha":"' .. args[2] .. '"}'))
  end
end

function request()
  return requests[math.random(#requests)]
end
