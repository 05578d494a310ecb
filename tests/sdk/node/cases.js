// The tutorial's flow and fidelity cases through the Node AWS SDK v2, and the tokens through
// AWS's own aws-jwt-verify (CognitoJwtVerifier, handed authport's JWKS with cacheJwks, so it never
// fetches from AWS). One process, every case; the exit status is the number of failed cases.
//
// Environment: AUTHPORT_COGNITO_ENDPOINT (also read by endpoint.js, preloaded), AWS_REGION and
// static credentials. USER_POOL_ID and CLIENT_ID, which the tutorial reads, are set here after
// the pool is created, as the tutorial's shell steps do.
const AWS = require('aws-sdk')
const { CognitoJwtVerifier } = require('aws-jwt-verify')
const { signUp, login } = require('./tutorial')

const cognito = new AWS.CognitoIdentityServiceProvider()
const PASSWORD = 'Correct-Horse-9'
const email = (tag) => `${tag}-${Math.random().toString(36).slice(2)}${Date.now()}@example.com`

async function refused (promise, code, message) {
  try {
    await promise
  } catch (err) {
    if (err.code !== code) throw new Error(`${err.code}: ${err.message} (wanted ${code})`)
    if (err.statusCode !== 400) throw new Error(`status ${err.statusCode} (wanted 400)`)
    if (message !== undefined && err.message !== message) throw new Error(`${JSON.stringify(err.message)} (wanted ${JSON.stringify(message)})`)
    return
  }
  throw new Error(`succeeded, wanted ${code}`)
}

async function tutorialPool () {
  const pool = await cognito.createUserPool({ PoolName: 'MyUserPool' }).promise()
  const client = await cognito.createUserPoolClient({
    UserPoolId: pool.UserPool.Id, ClientName: 'MyUserPoolClient', ExplicitAuthFlows: ['ADMIN_NO_SRP_AUTH']
  }).promise()
  process.env.USER_POOL_ID = pool.UserPool.Id
  process.env.CLIENT_ID = client.UserPoolClient.ClientId
  return { poolId: pool.UserPool.Id, clientId: client.UserPoolClient.ClientId }
}

async function jwks (poolId) {
  const response = await fetch(`${process.env.AUTHPORT_COGNITO_ENDPOINT}/${poolId}/.well-known/jwks.json`)
  if (!response.ok) throw new Error(`JWKS: ${response.status}`)
  return response.json()
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
  }
}

async function main () {
  let failed = 0
  for (const [name, run] of Object.entries(cases)) {
    try {
      await run()
      console.log(`ok   ${name}`)
    } catch (err) {
      failed += 1
      console.log(`FAIL ${name}\n${err.stack || err}`)
    }
  }
  console.log(`${Object.keys(cases).length - failed} passed, ${failed} failed`)
  process.exit(failed)
}

main()
