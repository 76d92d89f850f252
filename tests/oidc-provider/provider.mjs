// An OpenID Connect provider for Praxis's single sign-on tests: `oidc-provider`, a
// certified implementation, with its own sign-in and consent pages. Anyone may sign in
// with any password; the login typed becomes the person's email (with
// email_verified) and preferred_username, and their subject is derived from it. As the
// specification has it, the ID token carries the subject only, and the profile claims
// are given at the userinfo endpoint.
//
//   node provider.mjs --port 4100 --redirect http://127.0.0.1:8080/sign-in/sso/callback \
//        [--misbehave wrong-audience|wrong-nonce|expired]
//
// Each start signs with a new key of its own.
//
// With --misbehave, the ID token the token endpoint answers with is replaced by one
// the provider signs with its own keys but that a relying party must refuse: issued
// to another client, for another sign-in's nonce, or expired an hour ago. Prints
// "listening on <issuer>" once it takes requests.

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  if (at === -1) {
    if (fallback === undefined) {
      console.error(`give --${name}`);
      process.exit(2);
    }
    return fallback;
  }
  return process.argv[at + 1];
}

const port = Number(option('port'));
const redirect = option('redirect');
const misbehave = option('misbehave', 'none');
const modes = ['none', 'wrong-audience', 'wrong-nonce', 'expired'];
if (!modes.includes(misbehave)) {
  console.error(`--misbehave takes one of ${modes.join(', ')}`);
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

// A signing key of this process's own, as a provider's keys rotate: a provider started
// again on the same port signs with a key Praxis has not seen yet.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };

function claimsOf(login) {
  return {
    sub: `u-${Buffer.from(login, 'utf8').toString('hex')}`,
    email: login,
    // A login beginning "unverified." stands for an address the provider never checked.
    email_verified: !login.startsWith('unverified.'),
    name: login.split('@')[0],
    preferred_username: login,
  };
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'praxis',
      client_secret: 'praxis-test-secret',
      redirect_uris: [redirect],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      // Another application of the same organisation: a token issued to it must not
      // sign anyone in to Praxis.
      client_id: 'case-system',
      client_secret: 'case-system-secret',
      redirect_uris: ['https://case-system.example/callback'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return claimsOf(id); } };
  },
  jwks: { keys: [signingKey] },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['praxis-test-provider-cookie-key'] },
});

function payloadOf(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

provider.use(async (ctx, next) => {
  await next();
  if (misbehave === 'none' || ctx.path !== '/token' || ctx.status !== 200) return;
  const body = typeof ctx.body === 'string' ? JSON.parse(ctx.body) : ctx.body;
  if (!body || !body.id_token) return;
  const original = payloadOf(body.id_token);
  const login = Buffer.from(original.sub.slice(2), 'hex').toString('utf8');
  const client = await provider.Client.find(misbehave === 'wrong-audience' ? 'case-system' : 'praxis');
  const token = new provider.IdToken(claimsOf(login), { ctx, client });
  token.scope = 'openid email profile';
  token.set('nonce', misbehave === 'wrong-nonce' ? 'nonce-of-another-sign-in' : original.nonce);
  let expiresAt = null;
  if (misbehave === 'expired') {
    const now = Math.floor(Date.now() / 1000);
    token.set('iat', now - 7200);
    expiresAt = now - 3600;
  }
  body.id_token = await token.issue({ use: 'idtoken', expiresAt });
  ctx.body = body;
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`listening on ${issuer}`);
});
