import type { AppDeps } from '../../core/context.js';
import { SYSTEM } from '../../core/actor.js';
import { transaction } from '../../core/uow.js';
import { generatePassword } from './passwords.js';
import { createUserIn } from './users.js';

/**
 * First start with an empty user table creates one administrator. The transaction re-checks emptiness,
 * and the email is unique, so two instances starting together cannot create two admins.
 */
export async function ensureFirstAdmin(deps: AppDeps): Promise<{ email: string; generatedPassword?: string } | null> {
  const any = await deps.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (any) return null;
  const email = deps.config.adminEmail ?? 'admin@localhost.localdomain';
  const password = deps.config.adminPassword ?? generatePassword();
  try {
    await transaction({ deps, actor: SYSTEM }, async (uow) => {
      const again = await uow.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
      if (again) return;
      await createUserIn(uow, { email, name: 'Administrator', password, is_admin: true, timezone: 'UTC' });
    });
  } catch (err) {
    if ((err as { status?: number }).status === 409) return null;
    throw err;
  }
  return deps.config.adminPassword ? { email } : { email, generatedPassword: password };
}
