// A real OpenID Connect provider for GovHub's tests: panva's oidc-provider (a certified implementation) on
// 127.0.0.1, with a plain sign-in page of our own (the library's development pages load web fonts from outside).
//
// Settings come from the environment:
//   OP_PORT                    port to listen on (127.0.0.1 only)
//   OP_CLIENT_ID, OP_CLIENT_SECRET
//   OP_REDIRECT_URIS           comma-separated callback addresses of GovHub
//   OP_POST_LOGOUT_URIS        comma-separated addresses the provider may return to after sign-out
//   OP_ACCOUNTS                JSON {login: {claims...}}; any other login gets email = login (when it has an @)
//   OP_PASSWORD                the one password every login needs (default "city-pass")
// It prints "READY <issuer>" once listening and stops on SIGTERM.
import http from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.OP_PORT || 0);
const issuer = `http://127.0.0.1:${port}`;
const password = process.env.OP_PASSWORD || 'city-pass';
const accounts = JSON.parse(process.env.OP_ACCOUNTS || '{}');
const list = (v) => (v || '').split(',').map((s) => s.trim()).filter(Boolean);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `op-${randomUUID()}`, use: 'sig', alg: 'RS256' };

const ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#3e63dd"/></svg>';
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const page = (title, body) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}input,button{display:block;width:100%;
margin:.5rem 0;padding:.6rem;font-size:1rem;box-sizing:border-box}</style></head>
<body><h1>${esc(title)}</h1>${body}</body></html>`;

function claimsFor(login) {
  const extra = accounts[login] || {};
  const claims = { ...extra, sub: login };
  if (!claims.email && login.includes('@')) claims.email = login;
  if (claims.email && claims.email_verified === undefined) claims.email_verified = true;
  if (!claims.name) claims.name = login;
  return claims;
}

const configuration = {
  clients: [{
    client_id: process.env.OP_CLIENT_ID || 'govhub',
    client_secret: process.env.OP_CLIENT_SECRET || 'govhub-test-secret',
    redirect_uris: list(process.env.OP_REDIRECT_URIS),
    post_logout_redirect_uris: list(process.env.OP_POST_LOGOUT_URIS),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  pkce: { required: () => true },            // every authorization request must carry an S256 challenge
  conformIdTokenClaims: false,               // the ID token carries the scope's claims (email) itself
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username', 'staff_number', 'unit_code',
      'position_code'],
  },
  cookies: { keys: ['govhub-test-cookie-key-1'] },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Sign out of the city account?', `${form}
<button id="op-logout-yes" type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`);
      },
      postLogoutSuccessSource: async (ctx) => { ctx.body = page('Signed out', '<p>You have been signed out.</p>'); },
    },
  },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return claimsFor(id); } };
  },
  // A first-party client: the grant is given without a consent screen.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Error', `<pre id="op-error">${esc(JSON.stringify(out))}</pre>`);
  },
  ttl: { Session: 3600, Interaction: 600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600, Grant: 3600 },
};

const provider = new Provider(issuer, configuration);
provider.proxy = false;
const handle = provider.callback();

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10000) break;
  }
  return new URLSearchParams(body);
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, issuer);
  if (url.pathname === '/favicon.ico') {
    // Browsers ask every page's site for an icon: a real provider has one (a 404 here is a console error).
    res.setHeader('content-type', 'image/svg+xml');
    res.setHeader('cache-control', 'max-age=86400');
    return res.end(ICON);
  }
  const match = url.pathname.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (!match) return handle(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      return res.end(page('City account', `<form method="post" action="/interaction/${esc(details.uid)}/login">
<label>Login <input id="op-login" name="login" autocomplete="username" required></label>
<label>Password <input id="op-password" name="password" type="password" required></label>
<button id="op-submit" type="submit">Sign in</button></form>`));
    }
    const form = await readForm(req);
    if (form.get('password') !== password || !form.get('login')) {
      res.statusCode = 200;
      res.setHeader('content-type', 'text/html; charset=utf-8');
      return res.end(page('City account', '<p id="op-wrong">Wrong login or password.</p>'));
    }
    await provider.interactionFinished(req, res, { login: { accountId: form.get('login') } },
      { mergeWithLastSubmission: false });
  } catch (err) {
    res.statusCode = 400;
    res.setHeader('content-type', 'text/plain');
    res.end(`interaction error: ${err.message}`);
  }
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`READY ${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
