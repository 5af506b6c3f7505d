// MAA's sample policies from its public docs, with the docs' <placeholders>
// replaced by concrete values.
#pragma once

namespace cloister::policy::samples {

// policy-examples: "Sample custom policy for an SGX enclave".
inline constexpr const char* kCustomSgx = R"(version= 1.0;
authorizationrules
{
       [ type=="x-ms-sgx-is-debuggable", value==false ]
        && [ type=="x-ms-sgx-product-id", value==1 ]
        && [ type=="x-ms-sgx-svn", value>= 0 ]
        && [ type=="x-ms-sgx-mrsigner", value=="83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e"]
    => permit();
};
issuancerules {
c:[type=="x-ms-sgx-mrsigner"] => issue(type="custom-mrsigner", value=c.value);
};
)";

// policy-examples: "Default policy for an SGX enclave" (version 1.1).
inline constexpr const char* kDefaultSgx = R"(version= 1.1;
configurationrules{
	=> issueproperty(type="x-ms-sgx-tcbidentifier", value="azuredefault");
};
authorizationrules{
	=> permit();
};
issuancerules{
	c:[type=="x-ms-sgx-is-debuggable"] => issue(type="is-debuggable", value=c.value);
	c:[type=="x-ms-sgx-mrsigner"] => issue(type="sgx-mrsigner", value=c.value);
	c:[type=="x-ms-sgx-mrenclave"] => issue(type="sgx-mrenclave", value=c.value);
	c:[type=="x-ms-sgx-product-id"] => issue(type="product-id", value=c.value);
	c:[type=="x-ms-sgx-svn"] => issue(type="svn", value=c.value);
	c:[type=="x-ms-attestation-type"] => issue(type="tee", value=c.value);
};
)";

// A debuggable check that copies mrsigner (the brief's example).
inline constexpr const char* kDebuggable = R"(version=1.0;
authorizationrules {
  c:[type=="x-ms-sgx-is-debuggable", value==false] => permit();
};
issuancerules {
  c:[type=="x-ms-sgx-mrsigner"] => issue(type="mrsigner", value=c.value);
};
)";

// author-sign-policy: the drafting steps, with issuer conditions.
inline constexpr const char* kAuthorSign = R"(version=1.0;
authorizationrules
{
[type=="secureBootEnabled", value==true, issuer=="AttestationService"]=>permit();
};

issuancerules
{
=> issue(type="SecurityLevelValue", value=100);
};
)";

// claim-rule-grammar: claim variables referring to each other.
inline constexpr const char* kClaimVariables = R"(version=1.0;
authorizationrules { => permit(); };
issuancerules {
F1:[type=="OSName" , issuer=="CustomClaim"] &&
[type=="OSName" , issuer=="AttestationService", value== F1.value ]
=> issueproperty(type="report_validity_in_minutes", value=1440);

F1:[type=="OSName" , issuer=="CustomClaim"] &&
C2:[type=="OSName" , issuer=="AttestationService", value== F1.value ]
=> issue(claim = C2);
};
)";

}  // namespace cloister::policy::samples
