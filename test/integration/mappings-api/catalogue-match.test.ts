/**
 * A site code the mapping does not map, but which is a platform site's reference: with matching
 * by the platform's catalogue (the default) it is sent as that site and the run's timeline names
 * it, so the analyst can check a choice nobody made; with matching turned off, "Hold the row and
 * ask me" holds it. Against the sandbox platform, whose MAD-03 belongs to another company.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MappingInfo } from '../../../shared/dto';
import type { MappingProfile } from '../../../shared/mapping';
import { billsFolderJob, energyCsv, onSandboxEachTest, runDroppedFile } from './helpers';

const t = onSandboxEachTest('esg-catalogue-match-');

async function dropMadrid() {
  const { folder, mapping } = await billsFolderJob(t.engine, t.ok, t.root);
  const path = join(folder, 'bills-q3.csv');
  writeFileSync(path, energyCsv(['MAD-03,2024-01,500', 'MAD-03,2024-02,600']));
  return { path, mapping };
}

describe('codes matched by the platform catalogue', () => {
  it('sends a new code that is a platform site reference, and the run says which site it was taken as', async () => {
    const { path } = await dropMadrid();
    const before = t.sandbox.countSubmissions();
    const run = await runDroppedFile(t.engine, 'bills', path);
    expect(run).toMatchObject({ status: 'succeeded', created: 20, held: 0 });
    expect(t.sandbox.countSubmissions() - before).toBe(20);
    const said = t.engine.store.runs.events(run.id).map((e) => e.message);
    expect(said).toContain(
      "The mapping does not map the site code 'MAD-03' → “Madrid Depot” (2 rows from line 20); it was taken as the platform site with that reference or name, as the mapping allows. If that is wrong, map it in the mapping's “Sites & periods” step, or turn off matching by the platform’s names there.",
    );
  });

  it('holds it when the mapping says not to look codes up on the platform', async () => {
    const { path, mapping } = await dropMadrid();
    const got = await t.ok<{ profile: MappingProfile }>('mappings.get', { mappingId: mapping.id });
    if (got.profile.entity.kind !== 'column') throw new Error('expected a site column');
    await t.ok<MappingInfo>('mappings.save', { id: mapping.id, profile: { ...got.profile, entity: { ...got.profile.entity, matchCatalogue: false } } });
    const run = await runDroppedFile(t.engine, 'bills', path);
    expect(run).toMatchObject({ status: 'succeeded_with_rejections', created: 18, held: 2 });
    expect(t.engine.store.runs.events(run.id).map((e) => e.message).join('\n')).not.toContain('Madrid Depot');
  });
});
