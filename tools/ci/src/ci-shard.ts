/**
 * The sharded affected build, as a CI matrix runs it and as anyone can run it locally:
 *
 *   node -r @swc-node/register tools/ci/src/ci-shard.ts plan --base=REF --head=REF --shards=N
 *   node -r @swc-node/register tools/ci/src/ci-shard.ts run  --base=REF --head=REF --shards=N --wave=K --shard=I [--targets=build,boot-test]
 *   node -r @swc-node/register tools/ci/src/ci-shard.ts projects --base=REF --head=REF --shards=N --wave=K --shard=I
 *
 * `plan` prints the waves (and writes them to $GITHUB_OUTPUT when set); `run` builds shard I's
 * projects of wave K with `nx run-many`; `projects` prints them, one per line. Every runner computes the same plan from the same
 * commits; the shared cache carries what earlier waves built.
 */
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { planShards, projectsOf, type ShardPlan } from './shard-plan';

const NX = ['npx', 'nx'];

async function nxOutput(args: string[]): Promise<string> {
  const [command, ...rest] = [...NX, ...args];
  const result = await execa(command, rest, { reject: false, all: true });
  if (result.exitCode !== 0) throw new Error(`nx ${args.join(' ')} failed:\n${result.all}`);
  return String(result.stdout);
}

/** Affected projects with a build target, and each one's dependencies in the project graph. */
async function affectedGraph(base: string, head: string): Promise<{ affected: string[]; dependencies: Record<string, string[]> }> {
  const affected: string[] = JSON.parse(await nxOutput(['show', 'projects', '--affected', `--base=${base}`, `--head=${head}`, '--withTarget=build', '--json']));
  const dir = await mkdtemp(join(tmpdir(), 'strata-shard-'));
  try {
    await nxOutput(['graph', `--file=${join(dir, 'graph.json')}`]);
    const graph = JSON.parse(await readFile(join(dir, 'graph.json'), 'utf8')).graph as { dependencies: Record<string, { target: string }[]> };
    const dependencies = Object.fromEntries(Object.entries(graph.dependencies).map(([name, edges]) => [name, edges.map((edge) => edge.target)]));
    return { affected: affected.sort(), dependencies };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function describePlan(plan: ShardPlan): string {
  if (plan.waves.length === 0) return 'nothing is affected';
  return plan.waves.map((wave, k) => `wave ${k}: ${wave.map((projects, i) => `shard ${i} [${projects.join(' ')}]`).join(', ')}`).join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { base: { type: 'string' }, head: { type: 'string', default: 'HEAD' }, shards: { type: 'string', default: '1' }, shard: { type: 'string' }, wave: { type: 'string' }, targets: { type: 'string', default: 'build' } },
  });
  if (!values.base) throw new Error('--base=<git ref> is required: the commit the change is compared with (the main branch, or the previous push)');
  const shards = Number(values.shards);
  const { affected, dependencies } = await affectedGraph(values.base, values.head as string);
  const plan = planShards(affected, dependencies, shards);
  if (command === 'plan') {
    console.log(describePlan(plan));
    if (process.env.GITHUB_OUTPUT) await appendFile(process.env.GITHUB_OUTPUT, `plan=${JSON.stringify(plan)}\ndepth=${plan.waves.length}\n`);
    return 0;
  }
  if (command !== 'run' && command !== 'projects') throw new Error(`unknown command "${command}": use plan, run or projects`);
  if (values.shard === undefined || values.wave === undefined) throw new Error(`${command} needs --wave=K and --shard=I`);
  const projects = projectsOf(plan, Number(values.wave), Number(values.shard));
  if (command === 'projects') {
    if (projects.length > 0) console.log(projects.join('\n'));
    return 0;
  }
  if (projects.length === 0) {
    console.log(`shard ${values.shard} has nothing to build in wave ${values.wave}`);
    return 0;
  }
  console.log(`shard ${values.shard}, wave ${values.wave}: ${projects.join(' ')}`);
  const [nx, ...nxArgs] = [...NX, 'run-many', `--targets=${values.targets}`, `--projects=${projects.join(',')}`, '--output-style=static'];
  const run = await execa(nx, nxArgs, { stdio: 'inherit', reject: false });
  return run.exitCode ?? 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`ci-shard: ${err.message}`);
    process.exit(2);
  },
);
