-- A small real workload for lua.wasm in scripts/measure-cold-start: tables, strings, closures, math.
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local words = {}
for i = 1, 2000 do words[#words + 1] = string.format("w%04d", (i * 7919) % 2000) end
table.sort(words)
local acc = 0
for i, w in ipairs(words) do acc = (acc * 31 + #w + i) % 1000003 end
print(_VERSION, "fib(20) = " .. fib(20), "checksum " .. acc, string.format("pi %.6f", math.pi))
