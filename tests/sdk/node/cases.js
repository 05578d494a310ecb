// The tutorial's flow and fidelity cases through the Node AWS SDK v2, and the tokens through
// AWS's own aws-jwt-verify (CognitoJwtVerifier, handed authport's JWKS with cacheJwks, so it never
// fetches from AWS). The public API (SignUp, InitiateAuth, GetUser, ...) is called unsigned, with
// makeUnauthenticatedRequest, as an app without AWS credentials calls it; the codes Cognito would
// have e-mailed are read from authport's tester endpoint (/_authport/messages). One process, every
// case; the exit status is the number of failed cases.
//
// Environment: AUTHPORT_COGNITO_ENDPOINT (also read by endpoint.js, preloaded), AWS_REGION and
// static credentials. USER_POOL_ID and CLIENT_ID, which the tutorial reads, are set here after
// the pool is created, as the tutorial's shell steps do.
const AWS = require('aws-sdk')
const { CognitoJwtVerifier } = require('aws-jwt-verify')
const { signUp, login } = require('./tutorial')

const cognito = new AWS.CognitoIdentityServiceProvider()
const unsigned = (operation, params) => cognito.makeUnauthenticatedRequest(operation, params).promise()
const { unique, email, expect, refusedWith, secretHash, jwks, lastCode, advanceClock, runCases } = require('../common')
const PASSWORD = 'Correct-Horse-9'
const NEW_PASSWORD = 'N3w-Passw0rd!'

const refused = (promise, code, message) =>
  refusedWith((err) => ({ code: err.code, status: err.statusCode }), promise, code, message)

async function tutorialPool () {
  const pool = await cognito.createUserPool({ PoolName: 'MyUserPool' }).promise()
  const client = await cognito.createUserPoolClient({
    UserPoolId: pool.UserPool.Id, ClientName: 'MyUserPoolClient', ExplicitAuthFlows: ['ADMIN_NO_SRP_AUTH']
  }).promise()
  process.env.USER_POOL_ID = pool.UserPool.Id
  process.env.CLIENT_ID = client.UserPoolClient.ClientId
  return { poolId: pool.UserPool.Id, clientId: client.UserPoolClient.ClientId }
}

// A pool that e-mails a code to verify the address, and a client for the public password flow.
async function publicPool (client = {}) {
  const pool = await cognito.createUserPool({ PoolName: 'public', AutoVerifiedAttributes: ['email'] }).promise()
  const created = await cognito.createUserPoolClient({
    UserPoolId: pool.UserPool.Id,
    ClientName: 'app',
    ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    ...client
  }).promise()
  return { poolId: pool.UserPool.Id, client: created.UserPoolClient, clientId: created.UserPoolClient.ClientId }
}

const passwordLogIn = (clientId, username, password, extra = {}) => unsigned('initiateAuth', {
  AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: username, PASSWORD: password, ...extra }
})
const refresh = (clientId, token) => unsigned('initiateAuth', {
  AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: clientId, AuthParameters: { REFRESH_TOKEN: token }
})

// A user signed up through SignUp and confirmed with the code sent.
async function confirmedUser (poolId, clientId, tag) {
  const username = unique(tag)
  await unsigned('signUp', {
    ClientId: clientId, Username: username, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email(tag) }]
  })
  const code = await lastCode(poolId, username, 'CONFIRMATION_CODE')
  await unsigned('confirmSignUp', { ClientId: clientId, Username: username, ConfirmationCode: code })
  return username
}

const cases = {
  async theTutorialSignsUpAndLogsIn () {
    await tutorialPool()
    const ann = email('ann')
    await signUp(ann, PASSWORD)
    const response = await login(ann, PASSWORD)
    const result = response.AuthenticationResult
    if (!result || result.TokenType !== 'Bearer' || !result.AccessToken || !result.IdToken || !result.RefreshToken) {
      throw new Error(`no tokens: ${JSON.stringify(response)}`)
    }
    await refused(signUp(ann, PASSWORD), 'UsernameExistsException', 'User account already exists')
  },

  async awsJwtVerifyAcceptsTheTokens () {
    const { poolId, clientId } = await tutorialPool()
    const ann = email('verify')
    await signUp(ann, PASSWORD)
    const result = (await login(ann, PASSWORD)).AuthenticationResult
    const keys = await jwks(poolId)
    for (const [tokenUse, token] of [['access', result.AccessToken], ['id', result.IdToken]]) {
      const verifier = CognitoJwtVerifier.create({ userPoolId: poolId, tokenUse, clientId })
      verifier.cacheJwks(keys)
      const payload = await verifier.verify(token)
      if (payload.token_use !== tokenUse) throw new Error(`token_use ${payload.token_use}`)
    }
    const other = CognitoJwtVerifier.create({ userPoolId: poolId, tokenUse: 'access', clientId: 'someoneelse' })
    other.cacheJwks(keys)
    let refusedOther = false
    try { await other.verify(result.AccessToken) } catch { refusedOther = true }
    if (!refusedOther) throw new Error('a verifier for another client accepted the token')
  },

  async wrongPasswordAndUnknownUser () {
    await tutorialPool()
    const ann = email('wrong')
    await signUp(ann, PASSWORD)
    await refused(login(ann, 'Wr0ng-password'), 'NotAuthorizedException', 'Incorrect username or password.')
    await refused(login(email('nobody'), PASSWORD), 'UserNotFoundException', 'User does not exist.')
  },

  async thePolicyAppliesToTheTemporaryPassword () {
    await tutorialPool()
    await refused(signUp(email('weak'), 'Sh0rt!'), 'InvalidPasswordException',
      'Password did not conform with policy: Password not long enough')
  },

  async aDisabledUserCannotLogIn () {
    const { poolId } = await tutorialPool()
    const ann = email('disabled')
    await signUp(ann, PASSWORD)
    await cognito.adminDisableUser({ UserPoolId: poolId, Username: ann }).promise()
    await refused(login(ann, PASSWORD), 'NotAuthorizedException', 'User is disabled.')
  },

  async aFlowTheClientDoesNotAllow () {
    const { poolId } = await tutorialPool()
    const client = await cognito.createUserPoolClient({
      UserPoolId: poolId, ClientName: 'srp-only', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH']
    }).promise()
    process.env.CLIENT_ID = client.UserPoolClient.ClientId
    await refused(signUp(email('flow'), PASSWORD), 'InvalidParameterException', 'Auth flow not enabled for this client')
  },

  async publicSignUpIsConfirmedByTheCodeSent () {
    const { poolId, clientId } = await publicPool()
    const ann = unique('ann')
    const address = email('ann')
    const signUp = { ClientId: clientId, Username: ann, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: address }] }
    const signedUp = await unsigned('signUp', signUp)
    expect(signedUp.UserConfirmed === false && /^[0-9a-f-]{36}$/.test(signedUp.UserSub), `an unconfirmed user: ${JSON.stringify(signedUp)}`)
    const delivery = signedUp.CodeDeliveryDetails || {}
    expect(delivery.Destination === `${address[0]}***@e***` && delivery.DeliveryMedium === 'EMAIL' && delivery.AttributeName === 'email',
      `the code e-mailed: ${JSON.stringify(delivery)}`)
    await refused(passwordLogIn(clientId, ann, PASSWORD), 'UserNotConfirmedException', 'User is not confirmed.')
    await refused(unsigned('signUp', signUp), 'UsernameExistsException', 'User already exists')
    await refused(unsigned('signUp', { ...signUp, Username: unique('weak'), Password: 'Sh0rt!' }), 'InvalidPasswordException',
      'Password did not conform with policy: Password not long enough')
    const code = await lastCode(poolId, ann, 'CONFIRMATION_CODE')
    const wrong = String((Number(code) + 1) % 10 ** code.length).padStart(code.length, '0')
    await refused(unsigned('confirmSignUp', { ClientId: clientId, Username: ann, ConfirmationCode: wrong }),
      'CodeMismatchException', 'Invalid verification code provided, please try again.')
    await unsigned('confirmSignUp', { ClientId: clientId, Username: ann, ConfirmationCode: code })
    const result = (await passwordLogIn(clientId, ann, PASSWORD)).AuthenticationResult
    expect(result && result.TokenType === 'Bearer' && result.AccessToken && result.IdToken && result.RefreshToken, 'tokens')
    const user = await unsigned('getUser', { AccessToken: result.AccessToken })
    const attributes = Object.fromEntries(user.UserAttributes.map((a) => [a.Name, a.Value]))
    expect(user.Username === ann && attributes.email === address && attributes.email_verified === 'true',
      `the verified address: ${JSON.stringify(user)}`)
  },

  async publicInitiateAuthRefusesTheAdminFlow () {
    const { poolId, clientId } = await publicPool()
    const ann = await confirmedUser(poolId, clientId, 'adminflow')
    await refused(unsigned('initiateAuth', {
      AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: ann, PASSWORD }
    }), 'InvalidParameterException', 'Initiate Auth method not supported.')
  },

  async publicSignUpNeedsTheSecretHash () {
    const { poolId, client, clientId } = await publicPool({ GenerateSecret: true })
    const ann = unique('hash')
    const signUp = { ClientId: clientId, Username: ann, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email('hash') }] }
    await refused(unsigned('signUp', signUp), 'NotAuthorizedException', `Unable to verify secret hash for client ${clientId}`)
    const hash = secretHash(client.ClientSecret, ann, clientId)
    await unsigned('signUp', { ...signUp, SecretHash: hash })
    const code = await lastCode(poolId, ann, 'CONFIRMATION_CODE')
    await unsigned('confirmSignUp', { ClientId: clientId, Username: ann, ConfirmationCode: code, SecretHash: hash })
    expect((await passwordLogIn(clientId, ann, PASSWORD, { SECRET_HASH: hash })).AuthenticationResult.AccessToken, 'tokens')
  },

  async publicGlobalSignOutAndRevokeTokenRevokeTheTokens () {
    const { poolId, clientId } = await publicPool()
    const ann = await confirmedUser(poolId, clientId, 'signout')
    const first = (await passwordLogIn(clientId, ann, PASSWORD)).AuthenticationResult
    expect((await refresh(clientId, first.RefreshToken)).AuthenticationResult.AccessToken, 'a refresh before signing out')
    await unsigned('globalSignOut', { AccessToken: first.AccessToken })
    await refused(unsigned('getUser', { AccessToken: first.AccessToken }), 'NotAuthorizedException', 'Access Token has been revoked')
    await refused(refresh(clientId, first.RefreshToken), 'NotAuthorizedException', 'Refresh Token has been revoked')

    const revoked = (await passwordLogIn(clientId, ann, PASSWORD)).AuthenticationResult
    const other = (await passwordLogIn(clientId, ann, PASSWORD)).AuthenticationResult
    await unsigned('revokeToken', { Token: revoked.RefreshToken, ClientId: clientId })
    await refused(unsigned('getUser', { AccessToken: revoked.AccessToken }), 'NotAuthorizedException', 'Access Token has been revoked')
    await refused(refresh(clientId, revoked.RefreshToken), 'NotAuthorizedException', 'Refresh Token has been revoked')
    // RevokeToken ends only the log-in its refresh token came from.
    await unsigned('getUser', { AccessToken: other.AccessToken })
    await refresh(clientId, other.RefreshToken)
  },

  async publicChangePasswordKeepsOtherSessionsAndDeleteUserDeletes () {
    const { poolId, clientId } = await publicPool()
    const ann = await confirmedUser(poolId, clientId, 'change')
    const other = (await passwordLogIn(clientId, ann, PASSWORD)).AuthenticationResult.AccessToken
    const access = (await passwordLogIn(clientId, ann, PASSWORD)).AuthenticationResult.AccessToken
    await refused(unsigned('changePassword', { AccessToken: access, PreviousPassword: 'Wr0ng-password', ProposedPassword: NEW_PASSWORD }),
      'NotAuthorizedException', 'Incorrect username or password.')
    await unsigned('changePassword', { AccessToken: access, PreviousPassword: PASSWORD, ProposedPassword: NEW_PASSWORD })
    // Cognito's ChangePassword signs no session out.
    expect((await unsigned('getUser', { AccessToken: other })).Username === ann, 'the other session to stay')
    await refused(passwordLogIn(clientId, ann, PASSWORD), 'NotAuthorizedException', 'Incorrect username or password.')
    await passwordLogIn(clientId, ann, NEW_PASSWORD)
    await unsigned('deleteUser', { AccessToken: access })
    // The client's PreventUserExistenceErrors is LEGACY (the API's default): the user's absence is told.
    await refused(passwordLogIn(clientId, ann, NEW_PASSWORD), 'UserNotFoundException', 'User does not exist.')
  },

  async publicForgottenPasswordIsResetWithTheCodeSent () {
    const { poolId, clientId } = await publicPool()
    const ann = await confirmedUser(poolId, clientId, 'forgot')
    const delivery = (await unsigned('forgotPassword', { ClientId: clientId, Username: ann })).CodeDeliveryDetails || {}
    expect(delivery.Destination === 'f***@e***' && delivery.DeliveryMedium === 'EMAIL' && delivery.AttributeName === 'email',
      `the code e-mailed: ${JSON.stringify(delivery)}`)
    const code = await lastCode(poolId, ann, 'PASSWORD_RESET_CODE')
    await unsigned('confirmForgotPassword', { ClientId: clientId, Username: ann, ConfirmationCode: code, Password: NEW_PASSWORD })
    await refused(passwordLogIn(clientId, ann, PASSWORD), 'NotAuthorizedException', 'Incorrect username or password.')
    expect((await passwordLogIn(clientId, ann, NEW_PASSWORD)).AuthenticationResult.AccessToken, 'tokens')
  },

  // The test clock moves for the whole server and never back: this case runs last.
  async publicAccessTokenExpiresAfterAnHour () {
    const { poolId, clientId } = await publicPool()
    const ann = await confirmedUser(poolId, clientId, 'expiry')
    const access = (await passwordLogIn(clientId, ann, PASSWORD)).AuthenticationResult.AccessToken
    await unsigned('getUser', { AccessToken: access })
    await advanceClock(3601)
    await refused(unsigned('getUser', { AccessToken: access }), 'NotAuthorizedException', 'Access Token has expired')
  }
}

runCases(cases)
