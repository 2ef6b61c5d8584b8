#!/usr/bin/env node
// A client of optimizer.v1.AllocationService in another language, built only from protos/.
//
// Usage: node client.js [ADDRESS] [SCENARIO_DIR]
//   ADDRESS       host:port of `fsf serve` (default $FSF_ADDRESS or 127.0.0.1:50051)
//   SCENARIO_DIR  folder with scenario.yaml and its CSVs (default ../../scenarios/fasp-2026)
// Environment: FSF_TOKEN (bearer token, when the server has a tokens file), FSF_TLS_CA (PEM file
// of the CA to trust; TLS when set), FSF_EXPECT_TOTAL (fund the cells must add up to).
//
// It checks the health service, uploads the scenario files to Allocate, verifies that the cells
// add up to the fund to the peso (int64 pesos arrive as strings and are summed as BigInt),
// reads the run back with GetAllocation and finds it in ListAllocations. Exit code 0 when every
// check passes, 1 otherwise.
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTOS = path.resolve(__dirname, '..', '..', 'protos');
const address = process.argv[2] || process.env.FSF_ADDRESS || '127.0.0.1:50051';
const scenarioDir = path.resolve(
  process.argv[3] || path.join(__dirname, '..', '..', 'scenarios', 'fasp-2026'),
);
const expectTotal = process.env.FSF_EXPECT_TOTAL ? BigInt(process.env.FSF_EXPECT_TOTAL) : null;

const definition = protoLoader.loadSync(
  ['optimizer/v1/allocation.proto', 'grpc/health/v1/health.proto'],
  { includeDirs: [PROTOS], keepCase: true, longs: String, enums: String, defaults: true,
    oneofs: true },
);
const loaded = grpc.loadPackageDefinition(definition);

function credentials() {
  const channel = process.env.FSF_TLS_CA
    ? grpc.credentials.createSsl(fs.readFileSync(process.env.FSF_TLS_CA))
    : grpc.credentials.createInsecure();
  return channel;
}

function metadata() {
  const md = new grpc.Metadata();
  if (process.env.FSF_TOKEN) md.set('authorization', `Bearer ${process.env.FSF_TOKEN}`);
  md.set('x-request-id', `node-client-${process.pid}`);
  return md;
}

function call(client, method, request, seconds) {
  return new Promise((resolve, reject) => {
    const deadline = new Date(Date.now() + seconds * 1000);
    client[method](request, metadata(), { deadline }, (err, reply) => {
      if (err) reject(err); else resolve(reply);
    });
  });
}

function scenarioFiles(dir) {
  const files = [];
  const walk = (folder) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ya?ml|csv)$/i.test(entry.name)) {
        files.push({ name: path.relative(dir, full).split(path.sep).join('/'),
                     content: fs.readFileSync(full) });
      }
    }
  };
  walk(dir);
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  console.log(`ok: ${message}`);
}

async function main() {
  const creds = credentials();
  const health = new loaded.grpc.health.v1.Health(address, creds);
  const service = new loaded.optimizer.v1.AllocationService(address, creds);

  const status = await call(health, 'Check', { service: 'optimizer.v1.AllocationService' }, 10);
  check(status.status === 'SERVING', `health of optimizer.v1.AllocationService is ${status.status}`);

  const files = scenarioFiles(scenarioDir);
  check(files.some((f) => f.name === 'scenario.yaml'), `${files.length} scenario files read`);
  const reply = await call(service, 'Allocate', {
    files: { files, main: 'scenario.yaml' },
    request_id: `node-client-${Date.now()}-${process.pid}`,
    language: 'LANGUAGE_EN',
  }, 120);
  const plan = reply.allocation;
  const fund = BigInt(plan.fund.total);
  const cells = plan.cells.reduce((sum, c) => sum + BigInt(c.amount), 0n);
  check(plan.status === 'RUN_STATUS_OPTIMAL', `run ${plan.run_id} is ${plan.status}`);
  check(cells === fund, `${plan.cells.length} cells add up to the fund: ${cells} = ${fund}`);
  if (expectTotal !== null) check(fund === expectTotal, `fund is ${expectTotal}`);
  const regions = plan.regions.reduce((sum, r) => sum + BigInt(r.amount), 0n);
  check(regions === fund, `${plan.regions.length} regions add up to the fund`);

  const stored = await call(service, 'GetAllocation', { run_id: plan.run_id }, 10);
  check(stored.allocation.cells.length === plan.cells.length, 'GetAllocation returns the run');
  const list = await call(service, 'ListAllocations', { page_size: 5 }, 10);
  check(list.allocations.some((a) => a.run_id === plan.run_id), 'ListAllocations lists the run');

  health.close();
  service.close();
}

main().then(
  () => { console.log('node client: all checks passed'); process.exit(0); },
  (err) => { console.error(`node client: ${err.message || err}`); process.exit(1); },
);
