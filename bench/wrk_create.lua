-- wrk script: POST /v3/users with a distinct uid on every request.
-- The key comes from the environment, never from wrk's command line.
local counter = 0
thread_id = 0 -- set per thread by setup()
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.path = "/v3/users"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["apikey"] = os.getenv("COMETCHAT_API_KEY")
end

function request()
  counter = counter + 1
  local body = string.format('{"uid":"w%d-%d","name":"Bench User %d","tags":["bench"]}',
                             thread_id, counter, counter)
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("non-2xx answers: %d\n", non2xx))
end
