-- wrk: POST a JSON body (BODY) with the bearer token given as -H; used for audited writes.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BODY")
