-- wrk script: bench/search/search.lua's requests, with wrk's threads spread over several nodes (client-side round robin).
-- Usage: NODES="127.0.0.1:PORT1 127.0.0.1:PORT2" SEARCH_LUA=bench/search/search.lua \
--        wrk -t 2 ... -s cluster.lua http://127.0.0.1:PORT1 -- MODE QUERYFILE
-- Thread i sends all its requests to node (i mod #nodes): with -t 2 and two nodes, each node gets half the connections.
dofile(os.getenv("SEARCH_LUA"))

local nodes = {}
for hostport in string.gmatch(os.getenv("NODES") or "", "%S+") do
  local host, port = string.match(hostport, "^(.*):(%d+)$")
  table.insert(nodes, wrk.lookup(host, port)[1])
end
if #nodes == 0 then error("NODES is empty") end

local search_setup = setup
local assigned = 0
function setup(thread)
  search_setup(thread)
  thread.addr = nodes[assigned % #nodes + 1]
  assigned = assigned + 1
end
