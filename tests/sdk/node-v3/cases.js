// The tutorial's admin flow and the public API's flows through the Node AWS SDK v3
// (@aws-sdk/client-cognito-identity-provider), and the tokens through AWS's own aws-jwt-verify
// (CognitoJwtVerifier, handed authport's JWKS with cacheJwks, so it never fetches from AWS). The
// endpoint comes from AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, as for any v3 program. The admin
// API is called signed; the public API (SignUp, InitiateAuth, GetUser, ...) through a client whose
// credentials cannot be resolved, so a call that tried to sign would fail. The codes Cognito would
// have e-mailed are read from authport's tester endpoint (AUTHPORT_COGNITO_ENDPOINT/_authport/
// messages). USER_SRP_AUTH goes through AWS's amazon-cognito-identity-js (CognitoUser.authenticateUser
// with its defaults, over Node's own fetch). One process, every case; the exit status is the
// number of failed cases.
//
// Environment: AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, AUTHPORT_COGNITO_ENDPOINT, AWS_REGION
// and static credentials.
const {
  CognitoIdentityProviderClient,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  AdminSetUserPasswordCommand,
  ChangePasswordCommand,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DeleteUserCommand,
  ForgotPasswordCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RevokeTokenCommand,
  SignUpCommand
} = require('@aws-sdk/client-cognito-identity-provider')
const { CognitoJwtVerifier } = require('aws-jwt-verify')
const { AuthenticationDetails, CognitoUser, CognitoUserPool } = require('amazon-cognito-identity-js')

const { ENDPOINT, unique, email, expect, refusedWith, secretHash, jwks, lastCode, advanceClock, runCases } = require('../common')

if (!ENDPOINT || !process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER) {
  throw new Error('set AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER and AUTHPORT_COGNITO_ENDPOINT to authport\'s Cognito API')
}
// No retries: a server error must show, not be hidden behind a later answer.
const admin = new CognitoIdentityProviderClient({ maxAttempts: 1 })
const unsigned = new CognitoIdentityProviderClient({
  maxAttempts: 1,
  credentials: async () => { throw new Error('a public API call tried to sign') }
})
const PASSWORD = 'Correct-Horse-9'
const NEW_PASSWORD = 'N3w-Passw0rd!'

const refused = (promise, code, message) =>
  refusedWith((err) => ({ code: err.name, status: err.$metadata && err.$metadata.httpStatusCode }), promise, code, message)

async function pool (settings, client) {
  const created = await admin.send(new CreateUserPoolCommand({ PoolName: 'node-v3', ...settings }))
  const poolId = created.UserPool.Id
  const app = (await admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ...client }))).UserPoolClient
  return { poolId, client: app, clientId: app.ClientId }
}

// The tutorial's pool: users are created by the back end, which logs them in with the admin flow.
const adminPool = () => pool({}, { ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] })

// A pool that e-mails a code to verify the address, and a client for the public password flow.
const publicPool = (client = {}) => pool(
  { AutoVerifiedAttributes: ['email'] },
  { ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'], ...client }
)

// The tutorial's signUp: AdminCreateUser (SUPPRESS, the password as the temporary one), then
// AdminInitiateAuth answered by NEW_PASSWORD_REQUIRED, answered with the same password.
async function adminSignUp (poolId, clientId, username, password) {
  await admin.send(new AdminCreateUserCommand({
    UserPoolId: poolId, Username: username, MessageAction: 'SUPPRESS', TemporaryPassword: password
  }))
  const challenged = await adminLogIn(poolId, clientId, username, password)
  expect(challenged.ChallengeName === 'NEW_PASSWORD_REQUIRED' && challenged.Session, `a challenge: ${JSON.stringify(challenged)}`)
  return admin.send(new AdminRespondToAuthChallengeCommand({
    ChallengeName: 'NEW_PASSWORD_REQUIRED',
    ClientId: clientId,
    UserPoolId: poolId,
    ChallengeResponses: { USERNAME: username, NEW_PASSWORD: password },
    Session: challenged.Session
  }))
}

const adminLogIn = (poolId, clientId, username, password) => admin.send(new AdminInitiateAuthCommand({
  AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', ClientId: clientId, UserPoolId: poolId, AuthParameters: { USERNAME: username, PASSWORD: password }
}))

const passwordLogIn = (clientId, username, password, extra = {}) => unsigned.send(new InitiateAuthCommand({
  AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: username, PASSWORD: password, ...extra }
}))
const refresh = (clientId, token) => unsigned.send(new InitiateAuthCommand({
  AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: clientId, AuthParameters: { REFRESH_TOKEN: token }
}))
const getUser = (accessToken) => unsigned.send(new GetUserCommand({ AccessToken: accessToken }))

// A user signed up through SignUp and confirmed with the code sent.
async function confirmedUser (poolId, clientId, tag) {
  const username = unique(tag)
  await unsigned.send(new SignUpCommand({
    ClientId: clientId, Username: username, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email(tag) }]
  }))
  const code = await lastCode(poolId, username, 'CONFIRMATION_CODE')
  await unsigned.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: username, ConfirmationCode: code }))
  return username
}

// aws-jwt-verify accepts `result`'s access and id tokens for `clientId` of `poolId`.
async function verified (poolId, clientId, result) {
  const keys = await jwks(poolId)
  for (const [tokenUse, token] of [['access', result.AccessToken], ['id', result.IdToken]]) {
    const verifier = CognitoJwtVerifier.create({ userPoolId: poolId, tokenUse, clientId })
    verifier.cacheJwks(keys)
    const payload = await verifier.verify(token)
    expect(payload.token_use === tokenUse, `token_use ${tokenUse}, not ${payload.token_use}`)
  }
}


// amazon-cognito-identity-js calls the global fetch at request time: recorded here, so that a case
// can tell which flow and which challenge answers the library sent.
const libraryCalls = []
const nativeFetch = globalThis.fetch
globalThis.fetch = (url, options = {}) => {
  const target = options.headers && options.headers['X-Amz-Target']
  if (target) {
    const body = JSON.parse(options.body || '{}')
    libraryCalls.push([target.split('.').pop(), body.AuthFlow || body.ChallengeName].join(' '))
  }
  return nativeFetch(url, options)
}

// A pool whose client allows the SRP flow only (and refreshes).
const srpPool = () => pool(
  { AutoVerifiedAttributes: ['email'] },
  { ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }
)

const libraryPool = (poolId, clientId) => new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: `${ENDPOINT}/` })

// CognitoUser.authenticateUser with the library's default flow (USER_SRP_AUTH): the session, or
// the NEW_PASSWORD_REQUIRED challenge's attributes; rejects with the library's error.
function authenticate (userPool, username, password) {
  const user = new CognitoUser({ Username: username, Pool: userPool })
  const details = new AuthenticationDetails({ Username: username, Password: password })
  return new Promise((resolve, reject) => user.authenticateUser(details, {
    onSuccess: (session) => resolve({ user, session }),
    onFailure: reject,
    newPasswordRequired: (userAttributes, requiredAttributes) => resolve({ user, newPasswordRequired: { userAttributes, requiredAttributes } })
  }))
}

async function libraryRefused (promise, code, message) {
  let outcome
  try {
    outcome = await promise
  } catch (err) {
    if (err.code !== code) throw new Error(`${err.code}: ${err.message} (wanted ${code})`)
    if (err.message !== message) throw new Error(`${JSON.stringify(err.message)} (wanted ${JSON.stringify(message)})`)
    return
  }
  throw new Error(`succeeded (${Object.keys(outcome)}), wanted ${code}`)
}

// A CONFIRMED user with a verified address, made by the back end.
async function adminUserWithPassword (poolId, username, address) {
  await admin.send(new AdminCreateUserCommand({
    UserPoolId: poolId,
    Username: username,
    MessageAction: 'SUPPRESS',
    TemporaryPassword: NEW_PASSWORD,
    UserAttributes: [{ Name: 'email', Value: address }, { Name: 'email_verified', Value: 'true' }]
  }))
  await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: username, Password: PASSWORD, Permanent: true }))
}

const sessionTokens = (session) => ({ AccessToken: session.getAccessToken().getJwtToken(), IdToken: session.getIdToken().getJwtToken() })

const cases = {
  async theTutorialSignsUpAndLogsIn () {
    const { poolId, clientId } = await adminPool()
    const ann = email('ann')
    const answered = await adminSignUp(poolId, clientId, ann, PASSWORD)
    expect(answered.AuthenticationResult && answered.AuthenticationResult.AccessToken, 'tokens for the answered challenge')
    const result = (await adminLogIn(poolId, clientId, ann, PASSWORD)).AuthenticationResult
    expect(result && result.TokenType === 'Bearer' && result.ExpiresIn === 3600 && result.AccessToken && result.IdToken && result.RefreshToken,
      `tokens: ${JSON.stringify(result)}`)
    const user = await admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: ann }))
    expect(user.UserStatus === 'CONFIRMED', `CONFIRMED, not ${user.UserStatus}`)
    await refused(admin.send(new AdminCreateUserCommand({
      UserPoolId: poolId, Username: ann, MessageAction: 'SUPPRESS', TemporaryPassword: PASSWORD
    })), 'UsernameExistsException', 'User account already exists')
    await refused(adminLogIn(poolId, clientId, ann, 'Wr0ng-password'), 'NotAuthorizedException', 'Incorrect username or password.')
  },

  async awsJwtVerifyAcceptsTheTokens () {
    const admins = await adminPool()
    const ann = email('verify')
    await adminSignUp(admins.poolId, admins.clientId, ann, PASSWORD)
    const adminTokens = (await adminLogIn(admins.poolId, admins.clientId, ann, PASSWORD)).AuthenticationResult
    await verified(admins.poolId, admins.clientId, adminTokens)
    const other = CognitoJwtVerifier.create({ userPoolId: admins.poolId, tokenUse: 'access', clientId: 'someoneelse' })
    other.cacheJwks(await jwks(admins.poolId))
    let refusedOther = false
    try { await other.verify(adminTokens.AccessToken) } catch { refusedOther = true }
    expect(refusedOther, 'a verifier for another client to refuse the token')

    const { poolId, clientId } = await publicPool()
    const bob = await confirmedUser(poolId, clientId, 'verify')
    const tokens = (await passwordLogIn(clientId, bob, PASSWORD)).AuthenticationResult
    await verified(poolId, clientId, tokens)
    const refreshed = (await refresh(clientId, tokens.RefreshToken)).AuthenticationResult
    await verified(poolId, clientId, refreshed)
  },

  async publicSignUpIsConfirmedByTheCodeSent () {
    const { poolId, clientId } = await publicPool()
    const ann = unique('ann')
    const address = email('ann')
    const signUp = { ClientId: clientId, Username: ann, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: address }] }
    const signedUp = await unsigned.send(new SignUpCommand(signUp))
    expect(signedUp.UserConfirmed === false && /^[0-9a-f-]{36}$/.test(signedUp.UserSub), `an unconfirmed user: ${JSON.stringify(signedUp)}`)
    const delivery = signedUp.CodeDeliveryDetails || {}
    expect(delivery.Destination === `${address[0]}***@e***` && delivery.DeliveryMedium === 'EMAIL' && delivery.AttributeName === 'email',
      `the code e-mailed: ${JSON.stringify(delivery)}`)
    await refused(passwordLogIn(clientId, ann, PASSWORD), 'UserNotConfirmedException', 'User is not confirmed.')
    await refused(unsigned.send(new SignUpCommand(signUp)), 'UsernameExistsException', 'User already exists')
    await refused(unsigned.send(new SignUpCommand({ ...signUp, Username: unique('weak'), Password: 'Sh0rt!' })), 'InvalidPasswordException',
      'Password did not conform with policy: Password not long enough')
    const code = await lastCode(poolId, ann, 'CONFIRMATION_CODE')
    const wrong = String((Number(code) + 1) % 10 ** code.length).padStart(code.length, '0')
    await refused(unsigned.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: ann, ConfirmationCode: wrong })),
      'CodeMismatchException', 'Invalid verification code provided, please try again.')
    await unsigned.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: ann, ConfirmationCode: code }))
    const result = (await passwordLogIn(clientId, ann, PASSWORD)).AuthenticationResult
    expect(result && result.TokenType === 'Bearer' && result.AccessToken && result.IdToken && result.RefreshToken, 'tokens')
    const user = await getUser(result.AccessToken)
    const attributes = Object.fromEntries(user.UserAttributes.map((a) => [a.Name, a.Value]))
    expect(user.Username === ann && attributes.email === address && attributes.email_verified === 'true',
      `the verified address: ${JSON.stringify(user)}`)
  },

  async publicInitiateAuthRefusesTheAdminFlow () {
    const { poolId, clientId } = await publicPool()
    const ann = await confirmedUser(poolId, clientId, 'adminflow')
    await refused(unsigned.send(new InitiateAuthCommand({
      AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: ann, PASSWORD }
    })), 'InvalidParameterException', 'Initiate Auth method not supported.')
  },

  async publicSignUpNeedsTheSecretHash () {
    const { poolId, client, clientId } = await publicPool({ GenerateSecret: true })
    const ann = unique('hash')
    const signUp = { ClientId: clientId, Username: ann, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email('hash') }] }
    await refused(unsigned.send(new SignUpCommand(signUp)), 'NotAuthorizedException', `Unable to verify secret hash for client ${clientId}`)
    const hash = secretHash(client.ClientSecret, ann, clientId)
    await unsigned.send(new SignUpCommand({ ...signUp, SecretHash: hash }))
    const code = await lastCode(poolId, ann, 'CONFIRMATION_CODE')
    await unsigned.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: ann, ConfirmationCode: code, SecretHash: hash }))
    expect((await passwordLogIn(clientId, ann, PASSWORD, { SECRET_HASH: hash })).AuthenticationResult.AccessToken, 'tokens')
  },

  async publicGlobalSignOutAndRevokeTokenRevokeTheTokens () {
    const { poolId, clientId } = await publicPool()
    const ann = await confirmedUser(poolId, clientId, 'signout')
    const first = (await passwordLogIn(clientId, ann, PASSWORD)).AuthenticationResult
    expect((await refresh(clientId, first.RefreshToken)).AuthenticationResult.AccessToken, 'a refresh before signing out')
    await unsigned.send(new GlobalSignOutCommand({ AccessToken: first.AccessToken }))
    await refused(getUser(first.AccessToken), 'NotAuthorizedException', 'Access Token has been revoked')
    await refused(refresh(clientId, first.RefreshToken), 'NotAuthorizedException', 'Refresh Token has been revoked')

    const revoked = (await passwordLogIn(clientId, ann, PASSWORD)).AuthenticationResult
    const other = (await passwordLogIn(clientId, ann, PASSWORD)).AuthenticationResult
    await unsigned.send(new RevokeTokenCommand({ Token: revoked.RefreshToken, ClientId: clientId }))
    await refused(getUser(revoked.AccessToken), 'NotAuthorizedException', 'Access Token has been revoked')
    await refused(refresh(clientId, revoked.RefreshToken), 'NotAuthorizedException', 'Refresh Token has been revoked')
    // RevokeToken ends only the log-in its refresh token came from.
    await getUser(other.AccessToken)
    await refresh(clientId, other.RefreshToken)
  },

  async publicChangePasswordKeepsOtherSessionsAndDeleteUserDeletes () {
    const { poolId, clientId } = await publicPool()
    const ann = await confirmedUser(poolId, clientId, 'change')
    const other = (await passwordLogIn(clientId, ann, PASSWORD)).AuthenticationResult.AccessToken
    const access = (await passwordLogIn(clientId, ann, PASSWORD)).AuthenticationResult.AccessToken
    const change = (previous) => unsigned.send(new ChangePasswordCommand({
      AccessToken: access, PreviousPassword: previous, ProposedPassword: NEW_PASSWORD
    }))
    await refused(change('Wr0ng-password'), 'NotAuthorizedException', 'Incorrect username or password.')
    await change(PASSWORD)
    // Cognito's ChangePassword signs no session out.
    expect((await getUser(other)).Username === ann, 'the other session to stay')
    await refused(passwordLogIn(clientId, ann, PASSWORD), 'NotAuthorizedException', 'Incorrect username or password.')
    await passwordLogIn(clientId, ann, NEW_PASSWORD)
    await unsigned.send(new DeleteUserCommand({ AccessToken: access }))
    // The client's PreventUserExistenceErrors is LEGACY (the API's default): the user's absence is told.
    await refused(passwordLogIn(clientId, ann, NEW_PASSWORD), 'UserNotFoundException', 'User does not exist.')
  },

  async publicForgottenPasswordIsResetWithTheCodeSent () {
    const { poolId, clientId } = await publicPool()
    const ann = await confirmedUser(poolId, clientId, 'forgot')
    const forgot = await unsigned.send(new ForgotPasswordCommand({ ClientId: clientId, Username: ann }))
    const delivery = forgot.CodeDeliveryDetails || {}
    expect(delivery.Destination === 'f***@e***' && delivery.DeliveryMedium === 'EMAIL' && delivery.AttributeName === 'email',
      `the code e-mailed: ${JSON.stringify(delivery)}`)
    const code = await lastCode(poolId, ann, 'PASSWORD_RESET_CODE')
    await unsigned.send(new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: ann, ConfirmationCode: code, Password: NEW_PASSWORD }))
    await refused(passwordLogIn(clientId, ann, PASSWORD), 'NotAuthorizedException', 'Incorrect username or password.')
    expect((await passwordLogIn(clientId, ann, NEW_PASSWORD)).AuthenticationResult.AccessToken, 'tokens')
  },

  async amazonCognitoIdentityJsLogsInWithSrpAndReadsTheAttributes () {
    const { poolId, clientId } = await srpPool()
    const ann = unique('srp')
    const address = email('srp')
    await adminUserWithPassword(poolId, ann, address)
    libraryCalls.length = 0
    const { user, session } = await authenticate(libraryPool(poolId, clientId), ann, PASSWORD)
    expect(JSON.stringify(libraryCalls) === JSON.stringify(['InitiateAuth USER_SRP_AUTH', 'RespondToAuthChallenge PASSWORD_VERIFIER']),
      `the SRP exchange: ${JSON.stringify(libraryCalls)}`)
    expect(session.isValid() && session.getAccessToken().decodePayload().username === ann, `a session for ${ann}`)
    expect(session.getRefreshToken().getToken(), 'a refresh token')
    await verified(poolId, clientId, sessionTokens(session))
    const attributes = await new Promise((resolve, reject) => user.getUserAttributes((err, list) => err ? reject(err) : resolve(list)))
    const byName = Object.fromEntries(attributes.map((a) => [a.getName(), a.getValue()]))
    expect(byName.email === address && byName.email_verified === 'true' && /^[0-9a-f-]{36}$/.test(byName.sub),
      `the attributes: ${JSON.stringify(byName)}`)
  },

  async amazonCognitoIdentityJsRefusesAWrongPasswordAndAnUnknownUser () {
    const { poolId, clientId } = await srpPool()
    const ann = unique('srpwrong')
    await adminUserWithPassword(poolId, ann, email('srpwrong'))
    const userPool = libraryPool(poolId, clientId)
    libraryCalls.length = 0
    await libraryRefused(authenticate(userPool, ann, 'Wr0ng-password'), 'NotAuthorizedException', 'Incorrect username or password.')
    // The proof of the password is what is refused, not the user.
    expect(JSON.stringify(libraryCalls) === JSON.stringify(['InitiateAuth USER_SRP_AUTH', 'RespondToAuthChallenge PASSWORD_VERIFIER']),
      `the SRP exchange: ${JSON.stringify(libraryCalls)}`)
    // The client's PreventUserExistenceErrors is LEGACY (the API's default): the user's absence is told.
    await libraryRefused(authenticate(userPool, unique('nobody'), PASSWORD), 'UserNotFoundException', 'User does not exist.')
    expect((await authenticate(userPool, ann, PASSWORD)).session.isValid(), 'the right password still logs in')
  },

  async amazonCognitoIdentityJsAnswersNewPasswordRequiredAfterSrp () {
    const { poolId, clientId } = await srpPool()
    const ann = unique('srpnew')
    const address = email('srpnew')
    await admin.send(new AdminCreateUserCommand({
      UserPoolId: poolId, Username: ann, MessageAction: 'SUPPRESS', TemporaryPassword: PASSWORD, UserAttributes: [{ Name: 'email', Value: address }]
    }))
    const userPool = libraryPool(poolId, clientId)
    libraryCalls.length = 0
    const { user, newPasswordRequired } = await authenticate(userPool, ann, PASSWORD)
    expect(newPasswordRequired, 'the newPasswordRequired callback')
    expect(newPasswordRequired.userAttributes && newPasswordRequired.userAttributes.email === address,
      `the user's attributes in the challenge: ${JSON.stringify(newPasswordRequired)}`)
    expect(Array.isArray(newPasswordRequired.requiredAttributes) && newPasswordRequired.requiredAttributes.length === 0,
      `no required attributes: ${JSON.stringify(newPasswordRequired)}`)
    const session = await new Promise((resolve, reject) => user.completeNewPasswordChallenge(NEW_PASSWORD, {}, { onSuccess: resolve, onFailure: reject }))
    expect(JSON.stringify(libraryCalls) === JSON.stringify([
      'InitiateAuth USER_SRP_AUTH', 'RespondToAuthChallenge PASSWORD_VERIFIER', 'RespondToAuthChallenge NEW_PASSWORD_REQUIRED'
    ]), `the exchange: ${JSON.stringify(libraryCalls)}`)
    await verified(poolId, clientId, sessionTokens(session))
    const status = (await admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: ann }))).UserStatus
    expect(status === 'CONFIRMED', `CONFIRMED, not ${status}`)
    await libraryRefused(authenticate(userPool, ann, PASSWORD), 'NotAuthorizedException', 'Incorrect username or password.')
    expect((await authenticate(userPool, ann, NEW_PASSWORD)).session.isValid(), 'the new password logs in through SRP')
  },

  // The test clock moves for the whole server and never back, and aws-jwt-verify checks expiry
  // against the real clock: this case runs last.
  async publicAccessTokenExpiresAfterAnHour () {
    const { poolId, clientId } = await publicPool()
    const ann = await confirmedUser(poolId, clientId, 'expiry')
    const access = (await passwordLogIn(clientId, ann, PASSWORD)).AuthenticationResult.AccessToken
    await getUser(access)
    await advanceClock(3601)
    await refused(getUser(access), 'NotAuthorizedException', 'Access Token has expired')
  }
}

runCases(cases)
