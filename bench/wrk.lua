-- wrk script shared by every HTTP scenario of bench/bench.py: the same load generator for our
-- server and the peer. The requests come from a Lua file written by bench.py (the last argument
-- after `--`): a table { path = ..., check = ..., requests = { { token, body }, ... } } that each
-- connection cycles through in order. A body may hold @UUID@, replaced per request by a fresh
-- time-ordered UUID (the peer's create mutation takes the new row's id from the client).
--
-- Every answer is checked: HTTP 200, no `"errors"` key, and the scenario's `check` text (such as
-- `"userErrors":[]` for our write). done() prints one line, BENCHJSON {...}, that bench.py reads.

local threads = {}

function setup(thread)
    table.insert(threads, thread)
    thread:set("thread_id", #threads)
end

local spec, prepared, count, serial = nil, {}, 0, 0
answers, bad, statements, counted, sample = 0, 0, 0, 0, ""

local function uuid()
    serial = serial + 1
    local ms = math.floor(os.time() * 1000) + (serial % 1000)
    local hex = string.format("%012x", ms)
    return string.format("%s-%s-7%03x-%x%03x-%04x%08x", hex:sub(1, 8), hex:sub(9, 12),
        math.random(0, 0xfff), 8 + math.random(0, 3), math.random(0, 0xfff),
        thread_id % 0x10000, serial % 0x100000000)
end

function init(args)
    spec = dofile(args[1])
    math.randomseed(os.time() + thread_id * 7919)
    for i, r in ipairs(spec.requests) do
        local headers = {
            ["Content-Type"] = "application/json",
            ["Authorization"] = "Bearer " .. r.token,
        }
        if r.body:find("@UUID@", 1, true) then
            prepared[i] = { headers = headers, template = r.body }
        else
            prepared[i] = { raw = wrk.format("POST", spec.path, headers, r.body) }
        end
    end
    count = #prepared
    -- Connections of one thread start at different places in the cycle.
    serial = (thread_id - 1) * 7
end

local next_index = 0

function request()
    next_index = next_index % count + 1
    local p = prepared[next_index]
    if p.raw then
        return p.raw
    end
    local body = p.template:gsub("@UUID@", uuid)
    return wrk.format("POST", spec.path, p.headers, body)
end

function response(status, headers, body)
    answers = answers + 1
    local n = tonumber(headers["x-sql-statements"] or headers["X-Sql-Statements"] or "")
    if n then
        statements = statements + n
        counted = counted + 1
    end
    local ok = status == 200 and not body:find('"errors"', 1, true)
    if ok and spec.check then
        ok = body:find(spec.check, 1, true) ~= nil
    end
    if not ok then
        bad = bad + 1
        if sample == "" then
            sample = status .. " " .. body:sub(1, 400)
        end
    end
end

function done(summary, latency, requests)
    local totals = { answers = 0, bad = 0, statements = 0, counted = 0 }
    local first_sample = ""
    for _, thread in ipairs(threads) do
        for key, _ in pairs(totals) do
            totals[key] = totals[key] + (thread:get(key) or 0)
        end
        local s = thread:get("sample") or ""
        if first_sample == "" then
            first_sample = s
        end
    end
    local e = summary.errors
    io.write(string.format(
        'BENCHJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
            .. '"max_us": %d, "answers": %d, "bad": %d, "statements": %d, "counted": %d, '
            .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "status_errors": %d, '
            .. '"timeouts": %d, "sample": "%s"}\n',
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
        latency:percentile(99), latency.max, totals.answers, totals.bad, totals.statements,
        totals.counted, e.connect, e.read, e.write, e.status, e.timeout,
        first_sample:gsub('[%c"\\]', " ")))
end
